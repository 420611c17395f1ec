import { reasonCodeFromText, reasonNameFromCode } from './revocation-reason';

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
