import { AcmeProblem } from '../acme-problem';
import { parseRevocationRequest } from './revocation-request';

describe('parseRevocationRequest', () => {
  const certificate = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]).toString('base64url');

  it('reads the DER and the reason, unspecified when absent', () => {
    expect(parseRevocationRequest({ certificate, reason: 1 })).toEqual({
      der: Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]),
      reasonCode: 1,
    });
    expect(parseRevocationRequest({ certificate }).reasonCode).toBe(0);
  });

  it.each([0, 1, 2, 3, 4, 5, 6, 9, 10])('accepts CRLReason %p', (reason) => {
    expect(parseRevocationRequest({ certificate, reason }).reasonCode).toBe(reason);
  });

  it.each([7, 8, 11, -1, 2.5, '1', null, true])('refuses reason %p as badRevocationReason', (reason) => {
    expect(() => parseRevocationRequest({ certificate, reason })).toThrow(
      expect.objectContaining({ type: 'badRevocationReason' }) as AcmeProblem,
    );
  });

  it.each([null, 'x', [], {}, { certificate: 'a+b/' }, { certificate: '' }])(
    'refuses %p as malformed',
    (payload) => {
      expect(() => parseRevocationRequest(payload)).toThrow(
        expect.objectContaining({ type: 'malformed' }) as AcmeProblem,
      );
    },
  );
});
