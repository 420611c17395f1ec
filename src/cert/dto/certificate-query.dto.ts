import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_INT4 } from '../../common/integer-limits';
import { PaginationQueryDto } from '../../common/pagination.dto';
import { CertificateStatus } from '../certificate.entity';

export class CertificateQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Filter by issuing CA', example: 2 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  ca_id?: number;

  @ApiPropertyOptional({ enum: ['valid', 'revoked', 'expired'], example: 'valid' })
  @IsOptional()
  @IsIn(['valid', 'revoked', 'expired'])
  status?: CertificateStatus;

  @ApiPropertyOptional({
    description:
      'Filter by profile: its id (digits) or its name at issuance (kept after the profile is deleted)',
    example: 'web',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  profile?: string;
}
