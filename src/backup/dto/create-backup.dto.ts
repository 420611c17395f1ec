import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { MIN_PASSPHRASE_LENGTH } from '../kek-envelope';

export class CreateBackupDto {
  @ApiPropertyOptional({
    description:
      'Include the key-encryption key, sealed with `passphrase` (scrypt + AES-256-GCM). Without it the backup ' +
      'is useless unless the KEK is kept separately.',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  include_kek?: boolean;

  @ApiPropertyOptional({
    description: `Seals the KEK (at least ${MIN_PASSPHRASE_LENGTH} characters); with include_kek`,
  })
  @IsOptional()
  @IsString()
  @MinLength(MIN_PASSPHRASE_LENGTH)
  @MaxLength(1024)
  passphrase?: string;
}
