import { ApiProperty } from '@nestjs/swagger';

export class StatusResponseDto {
  @ApiProperty({ description: 'True once a first user exists' })
  initialized!: boolean;

  @ApiProperty({ example: '0.1.0' })
  version!: string;

  @ApiProperty({ enum: ['ok', 'unavailable'] })
  database!: 'ok' | 'unavailable';
}
