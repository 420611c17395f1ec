import { JsonObject } from '../../common/json';
import { ApiProperty } from '@nestjs/swagger';
import { AuditLog } from '../audit-log.entity';

export class AuditLogResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() created_at!: Date;
  @ApiProperty() action!: string;
  @ApiProperty({ type: Number, nullable: true }) user_id!: number | null;
  @ApiProperty({ type: String, nullable: true }) username!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'How the actor authenticated when not by password: api_key:<key id>, workload:<trust policy id>, renewal:<certificate id>',
    example: 'api_key:3f9c0d2a7b41e865',
  })
  credential!: string | null;
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
    credential: log.credential,
    organization_id: log.organizationId,
    resource_type: log.resourceType,
    resource_id: log.resourceId,
    client_address: log.clientAddress,
    detail: log.detail,
  };
}
