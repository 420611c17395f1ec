import { validateDns01 } from './dns-01.validator';
import { validateHttp01 } from './http-01.validator';
import { validateTlsAlpn01 } from './tls-alpn-01.validator';
import type { ValidationOptions } from './validation-options';
import type { ValidationIdentifier, ValidationResult } from './validation-result';

export type ChallengeType = 'http-01' | 'dns-01' | 'tls-alpn-01';

export interface ChallengeToValidate {
  type: ChallengeType;
  token: string;
  identifier: ValidationIdentifier;
}

/** Runs the validator of the challenge's type; never throws for what the network does. */
export function validateChallenge(
  challenge: ChallengeToValidate,
  keyAuthorization: string,
  options: ValidationOptions,
): Promise<ValidationResult> {
  switch (challenge.type) {
    case 'http-01':
      return validateHttp01(challenge.identifier, challenge.token, keyAuthorization, options);
    case 'dns-01':
      return validateDns01(challenge.identifier, keyAuthorization, options);
    case 'tls-alpn-01':
      return validateTlsAlpn01(challenge.identifier, keyAuthorization, options);
  }
}
