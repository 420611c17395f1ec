import { rfc3339, suggestedWindow } from './renewal-window';

describe('suggestedWindow', () => {
  const notBefore = new Date('2026-01-01T00:00:00Z');
  const notAfter = new Date('2026-03-02T00:00:00Z'); // 60 days
  const now = new Date('2026-01-10T12:00:00Z');

  it('opens at two thirds of the lifetime and closes at five sixths', () => {
    const window = suggestedWindow({ notBefore, notAfter, status: 'valid', revokedAt: null }, now);
    expect(rfc3339(window.start)).toBe('2026-02-10T00:00:00Z');
    expect(rfc3339(window.end)).toBe('2026-02-20T00:00:00Z');
  });

  it('is open now for a revoked certificate', () => {
    const revokedAt = new Date('2026-01-09T00:00:00Z');
    const window = suggestedWindow({ notBefore, notAfter, status: 'revoked', revokedAt }, now);
    expect(window.start).toEqual(revokedAt);
    expect(window.end.getTime()).toBe(now.getTime() + 5 * 60_000);
  });

  it('never ends before it starts, however short the lifetime', () => {
    const window = suggestedWindow(
      { notBefore, notAfter: new Date(notBefore.getTime() + 1500), status: 'valid', revokedAt: null },
      now,
    );
    expect(window.end.getTime()).toBeGreaterThan(window.start.getTime());
  });
});
