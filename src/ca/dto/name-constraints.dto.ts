import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';

/** Name forms of a nameConstraints subtree list (RFC 5280 4.2.1.10); precise checks in the service. */
export class SubtreesDto {
  @ApiPropertyOptional({
    type: [String],
    example: ['corp.example', '.svc.corp.example'],
    description: '`corp.example`: the host and every name below it; `.corp.example`: only names below it',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(253, { each: true })
  dns?: string[] | null;

  @ApiPropertyOptional({
    type: [String],
    example: ['10.0.0.0/8', '2001:db8::/32'],
    description: 'CIDR, v4 or v6',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  ip_ranges?: string[] | null;

  @ApiPropertyOptional({
    type: [String],
    example: ['corp.example'],
    description: 'A mailbox (alice@corp.example), a host (every mailbox there) or .domain',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(320, { each: true })
  emails?: string[] | null;

  @ApiPropertyOptional({
    type: [String],
    example: ['.corp.example'],
    description: 'A host or .domain: URI constraints apply to the host of the URI',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(253, { each: true })
  uris?: string[] | null;
}

/** POST /cas `name_constraints`: written as a critical nameConstraints extension. */
export class NameConstraintsDto {
  @ApiPropertyOptional({ type: SubtreesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SubtreesDto)
  permitted?: SubtreesDto | null;

  @ApiPropertyOptional({ type: SubtreesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SubtreesDto)
  excluded?: SubtreesDto | null;
}
