import { InvalidInputError } from '../common/errors';
import {
  publishableReasonCode,
  reasonCodeFromText,
  reasonNameFromCode,
  revocationReasonCode,
} from './revocation-reason';

describe('revocation reasons', () => {
  it.each([
    ['unspecified', 0],
    ['keyCompromise', 1],
    ['key_compromise', 1],
    ['KEYCOMPROMISE', 1],
    ['Key Compromise', 1],
    ['caCompromise', 2],
    ['cACompromise', 2],
    ['ca_compromise', 2],
    ['affiliation_changed', 3],
    ['superseded', 4],
    ['cessation-of-operation', 5],
    ['certificateHold', 6],
    ['REMOVE_FROM_CRL', 8],
    ['privilegeWithdrawn', 9],
    ['aa_compromise', 10],
    ['AACompromise', 10],
  ])('maps %j to %d', (text, code) => {
    expect(reasonCodeFromText(text)).toBe(code);
  });

  it.each([['compromised'], [''], ['7'], [null], [undefined]])('maps %j to null', (text) => {
    expect(reasonCodeFromText(text)).toBeNull();
  });

  it('names codes', () => {
    expect(reasonNameFromCode(1)).toBe('keyCompromise');
    expect(reasonNameFromCode(7)).toBeNull();
  });
});

describe('revocationReasonCode', () => {
  it.each([
    [undefined, 8],
    ['removeFromCRL', undefined],
    ['remove_from_crl', null],
  ])('refuses removeFromCRL (reason %j, code %j): it belongs to delta CRLs only', (reason, code) => {
    expect(() => revocationReasonCode(reason, code)).toThrow(
      new InvalidInputError(
        'removeFromCRL (reason code 8) is only for delta CRLs (RFC 5280 5.3.1), which this CA does not issue; ' +
          'a revocation cannot be undone',
      ),
    );
  });

  it('refuses unassigned codes and resolves the others', () => {
    expect(() => revocationReasonCode(undefined, 7)).toThrow(InvalidInputError);
    expect(revocationReasonCode('superseded', undefined)).toBe(4);
    expect(revocationReasonCode('superseded', 1)).toBe(1);
    expect(revocationReasonCode('no longer needed', undefined)).toBeNull();
  });
});

describe('publishableReasonCode', () => {
  it('carries the codes a full CRL can carry and drops the rest', () => {
    expect([1, 2, 3, 4, 5, 6, 9, 10].map(publishableReasonCode)).toEqual([1, 2, 3, 4, 5, 6, 9, 10]);
    expect([null, undefined, 0, 7, 8, 11, 256, -1].map(publishableReasonCode)).toEqual(
      new Array(8).fill(null),
    );
  });
});
