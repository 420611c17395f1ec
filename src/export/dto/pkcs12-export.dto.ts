import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export class Pkcs12ExportDto {
  @ApiProperty({ description: 'Password protecting the PKCS#12 file (at least 4 characters)' })
  @IsString()
  @MaxLength(256)
  password!: string;
}
