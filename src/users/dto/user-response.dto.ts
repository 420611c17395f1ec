import { ApiProperty } from '@nestjs/swagger';
import { Role, ROLES } from '../../access/policy';
import { User } from '../user.entity';

export class UserResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() username!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty() is_active!: boolean;
  @ApiProperty({ type: Number, nullable: true }) organization_id!: number | null;
  @ApiProperty() can_create_ca!: boolean;
  @ApiProperty() can_create_cert!: boolean;
  @ApiProperty() can_revoke_cert!: boolean;
  @ApiProperty() can_export_private_key!: boolean;
  @ApiProperty() can_delete_ca!: boolean;
  @ApiProperty() can_request_cert!: boolean;
  @ApiProperty() created_at!: Date;
  @ApiProperty() updated_at!: Date;
}

export function toUserResponse(user: User): UserResponseDto {
  return {
    id: user.id,
    username: user.username,
    email: user.email ?? '', // a person always has one (users_person_credentials_check)
    role: user.role,
    is_active: user.isActive,
    organization_id: user.organizationId,
    can_create_ca: user.canCreateCa,
    can_create_cert: user.canCreateCert,
    can_revoke_cert: user.canRevokeCert,
    can_export_private_key: user.canExportPrivateKey,
    can_delete_ca: user.canDeleteCa,
    can_request_cert: user.canRequestCert,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}
