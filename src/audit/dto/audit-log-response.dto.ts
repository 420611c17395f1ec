import { JsonObject } from '../../common/json';
import { ApiProperty } from '@nestjs/swagger';
import { AuditLog } from '../audit-log.entity';

export class AuditLogResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() created_at!: Date;
  @ApiProperty() action!: string;
  @ApiProperty({ type: Number, nullable: true }) user_id!: number | null;
  @ApiProperty({ type: String, nullable: true }) username!: string | null;
  @ApiProperty({ type: Number, nullable: true }) organization_id!: number | null;
  @ApiProperty({ type: String, nullable: true }) resource_type!: string | null;
  @ApiProperty({ type: Number, nullable: true }) resource_id!: number | null;
  @ApiProperty({ type: String, nullable: true }) client_address!: string | null;
  @ApiProperty({ type: Object, nullable: true }) detail!: JsonObject | null;
}

export function toAuditLogResponse(log: AuditLog): AuditLogResponseDto {
  return {
    id: Number(log.id),
    created_at: log.createdAt,
    action: log.action,
    user_id: log.userId,
    username: log.username,
    organization_id: log.organizationId,
    resource_type: log.resourceType,
    resource_id: log.resourceId,
    client_address: log.clientAddress,
    detail: log.detail,
  };
}
