import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorBody } from './error-response';
import { FieldError } from './errors';

export class FieldErrorDto implements FieldError {
  @ApiProperty({ example: 'valid_days' }) field!: string;
  @ApiProperty({ type: [String], example: ['valid_days must not be less than 1'] }) messages!: string[];
}

/** The body of every error answer (see toErrorResponse). */
export class ErrorResponseDto implements ErrorBody {
  @ApiProperty({
    description: 'What went wrong, written for the person reading it',
    example: 'CA 7 not found',
  })
  detail!: string;

  @ApiPropertyOptional({
    type: [FieldErrorDto],
    description: 'On a 400 from validation: one entry per field',
  })
  errors?: FieldErrorDto[];

  @ApiPropertyOptional({
    description: 'On a 500 only: quote it to the operator, whose log line carries the same id',
  })
  request_id?: string;
}
