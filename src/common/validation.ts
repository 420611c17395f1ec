import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateIf } from 'class-validator';
import { FieldError, ValidationFailedError } from './errors';
import { assertWellFormedText, displayFieldName } from './text-input';

export const UNKNOWN_FIELD_MESSAGE = 'is not a field of this request';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${displayFieldName(error.property)}` : displayFieldName(error.property);
    const constraints = error.constraints ?? {};
    // class-validator's own whitelist message repeats the property name, which may be part of a value.
    const messages = Object.entries(constraints).map(([name, message]) =>
      name === 'whitelistValidation' ? UNKNOWN_FIELD_MESSAGE : message,
    );
    const own = messages.length > 0 ? [{ field, messages }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

const CONCEALS_UNKNOWN_FIELDS = Symbol('concealsUnknownFields');

/**
 * For form bodies (application/x-www-form-urlencoded), where an unescaped "&" in a password turns its
 * tail into a field name: unknown fields are refused without naming them.
 */
export function ConcealsUnknownFields(): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(CONCEALS_UNKNOWN_FIELDS, true, target);
  };
}

function concealsUnknownFields(metatype: ArgumentMetadata['metatype']): boolean {
  return metatype !== undefined && Reflect.getMetadata(CONCEALS_UNKNOWN_FIELDS, metatype) === true;
}

function withoutUnknownFieldNames(error: ValidationFailedError): ValidationFailedError {
  const known = error.errors.filter((entry) => !entry.messages.includes(UNKNOWN_FIELD_MESSAGE));
  if (known.length === error.errors.length) return error;
  return new ValidationFailedError([
    ...known,
    { field: 'form', messages: ['contains a field that is not accepted (is an "&" in a value unescaped?)'] },
  ]);
}

/**
 * The global pipe: text everywhere must be storable (no NUL, no lone surrogate); bodies and queries
 * are validated and transformed into their DTOs. Path parameters are left as the text they arrived
 * as, so ParseIdPipe judges "5e0" or "05" itself instead of seeing an already converted number.
 */
export class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'custom') return value;
    assertWellFormedText(value, metadata.type === 'param' ? (metadata.data ?? '') : '', metadata.type);
    if (metadata.type === 'param') return value;
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (error instanceof ValidationFailedError && concealsUnknownFields(metadata.metatype)) {
        throw withoutUnknownFieldNames(error);
      }
      throw error;
    }
  }
}

/** Unknown fields are refused, types are checked, and every failing field is named. */
export function buildValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedError(flatten(errors)),
  });
}

/**
 * For fields that may be left out but never cleared: unlike @IsOptional(), a null is validated
 * (and refused by the type check) instead of reaching a NOT NULL column.
 */
export const IsOptionalNotNull = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);
