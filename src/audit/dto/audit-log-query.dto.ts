import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_INT4 } from '../../common/integer-limits';
import { PaginationQueryDto } from '../../common/pagination.dto';
import { AUDIT_ACTIONS, AuditAction } from '../audit-action';

export class AuditLogQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: AUDIT_ACTIONS, example: 'cert_create' })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS as readonly string[])
  action?: AuditAction;

  @ApiPropertyOptional({ description: 'Acting user', example: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  user_id?: number;

  @ApiPropertyOptional({ example: 'certificate' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  resource_type?: string;

  @ApiPropertyOptional({ example: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  resource_id?: number;

  @ApiPropertyOptional({
    description: 'ISO 8601 start of the time range (inclusive)',
    example: '2025-01-01T00:00:00Z',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'since must be an ISO 8601 date-time' })
  since?: Date;

  @ApiPropertyOptional({ description: 'ISO 8601 end of the time range (inclusive)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'until must be an ISO 8601 date-time' })
  until?: Date;
}
