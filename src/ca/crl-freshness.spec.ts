import { crlIsDueForRefresh, REFRESH_FRACTION } from './crl-freshness';

const DAY_MS = 86_400_000;
const thisUpdate = new Date('2030-01-01T00:00:00Z');
const nextUpdate = new Date(thisUpdate.getTime() + 8 * DAY_MS);
const signed = { isStale: false, isSigned: true, thisUpdate, nextUpdate };
const at = (days: number) => new Date(thisUpdate.getTime() + days * DAY_MS);

describe('crlIsDueForRefresh', () => {
  it('keeps a signed CRL until REFRESH_FRACTION of its validity has passed', () => {
    expect(REFRESH_FRACTION).toBe(0.5);
    expect(crlIsDueForRefresh(signed, at(0))).toBe(false);
    expect(crlIsDueForRefresh(signed, new Date(at(4).getTime() - 1))).toBe(false);
    expect(crlIsDueForRefresh(signed, at(4))).toBe(true);
    expect(crlIsDueForRefresh(signed, at(9))).toBe(true);
  });

  it('re-signs a stale CRL at once', () => {
    expect(crlIsDueForRefresh({ ...signed, isStale: true }, at(0))).toBe(true);
  });

  it('signs a CRL that was never signed or has no dates', () => {
    expect(crlIsDueForRefresh({ ...signed, isSigned: false }, at(0))).toBe(true);
    expect(crlIsDueForRefresh({ ...signed, thisUpdate: null }, at(0))).toBe(true);
    expect(crlIsDueForRefresh({ ...signed, nextUpdate: null }, at(0))).toBe(true);
  });
});
