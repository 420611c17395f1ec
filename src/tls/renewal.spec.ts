import { renewalTime, sameNames } from './renewal';

describe('renewalTime', () => {
  it('is two thirds into the lifetime: day 20 of 30', () => {
    const notBefore = new Date('2026-01-01T00:00:00Z');
    const notAfter = new Date('2026-01-31T00:00:00Z');
    expect(renewalTime({ notBefore, notAfter }).toISOString()).toBe('2026-01-21T00:00:00.000Z');
  });
});

describe('sameNames', () => {
  it('ignores order and case', () => {
    expect(sameNames(['Localhost', 'pki.test'], ['pki.test', 'localhost'])).toBe(true);
  });

  it('sees a name added or removed', () => {
    expect(sameNames(['localhost'], ['localhost', 'pki.test'])).toBe(false);
    expect(sameNames(['localhost', 'pki.test'], ['localhost'])).toBe(false);
  });
});
