import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorBody } from './error-response';
import { FieldError, OAuthErrorCode } from './errors';

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
    enum: ['invalid_request', 'invalid_grant', 'unsupported_grant_type', 'temporarily_unavailable'],
    description: 'POST /auth/token only: the RFC 6749 §5.2 error code',
  })
  error?: OAuthErrorCode;

  @ApiPropertyOptional({ description: 'POST /auth/token only: `detail` again, under its RFC 6749 name' })
  error_description?: string;

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
