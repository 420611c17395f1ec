import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
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
}
