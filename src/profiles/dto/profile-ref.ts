import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, ValidateBy, ValidationOptions } from 'class-validator';
import { MAX_INT4 } from '../../common/integer-limits';

/** A profile named on an issuing route: its id (a number) or its name (a string), in the CA's organisation. */
export type ProfileRef = number | string;

export const PROFILE_NAME_MAX_LENGTH = 128;

function isProfileRef(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= MAX_INT4;
  return typeof value === 'string' && value.trim().length > 0 && value.length <= PROFILE_NAME_MAX_LENGTH;
}

function IsProfileRef(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isProfileRef',
      validator: {
        validate: isProfileRef,
        defaultMessage: () =>
          `profile must be a profile id (a positive integer) or name (1 to ${PROFILE_NAME_MAX_LENGTH} characters)`,
      },
    },
    options,
  );
}

/** The optional `profile` field of every issuing route (null counts as absent). */
export const ProfileRefProperty = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      oneOf: [
        { type: 'integer', minimum: 1 },
        { type: 'string', maxLength: PROFILE_NAME_MAX_LENGTH },
      ],
      nullable: true,
      description:
        "The certificate profile to issue under: its id or its name, in the CA's organization. " +
        'Needed when the CA has require_profile; the certificate must satisfy it.',
    }),
    IsOptional(),
    IsProfileRef(),
  );
