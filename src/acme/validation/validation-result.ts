/**
 * The RFC 8555 §6.7 error types a validation ends with. `unauthorized`: the proof is absent or wrong;
 * `incorrectResponse`: what answered breaks the challenge's rules (size, certificate shape);
 * `rejectedIdentifier`: the name leads to a network the validator never connects to.
 */
export type ValidationErrorType =
  'connection' | 'dns' | 'incorrectResponse' | 'unauthorized' | 'tls' | 'rejectedIdentifier';

export interface ValidationError {
  type: ValidationErrorType;
  detail: string;
}

export type ValidationResult = { valid: true } | { valid: false; error: ValidationError };

export const VALID: ValidationResult = { valid: true };

export function invalid(type: ValidationErrorType, detail: string): ValidationResult {
  return { valid: false, error: { type, detail } };
}

/** The identifier a challenge proves control of (RFC 8555 §9.7.7, RFC 8738). */
export interface ValidationIdentifier {
  type: 'dns' | 'ip';
  value: string;
}
