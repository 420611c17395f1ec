import { context, issuingCa, NOW, profilePolicy, template } from '../testing';
import { lifetimeWithinIssuer, pathLengthUnder, pathLengthUnderIssuer, validityWithin } from './limits.rules';

describe('pathLengthUnderIssuer', () => {
  it('defaults to the issuer minus one, and to unlimited under an unlimited issuer', () => {
    expect(pathLengthUnder(2, undefined)).toBe(1);
    expect(pathLengthUnder(null, undefined)).toBeNull();
  });

  it('refuses anything above the issuer minus one, and any CA under pathLen 0', () => {
    expect(() => pathLengthUnder(2, 2)).toThrow('at most 1');
    expect(() => pathLengthUnder(0, undefined)).toThrow('path length 0');
    expect(pathLengthUnder(3, 0)).toBe(0);
  });

  it('resolves a CA certificate under its issuer, keeps a root as asked, and clears it for leaves', () => {
    const constrained = context({ issuer: issuingCa({ pathLength: 2 }) });
    expect(
      pathLengthUnderIssuer(template({ certificateType: 'ca', pathLength: undefined }), constrained)
        .pathLength,
    ).toBe(1);
    expect(() =>
      pathLengthUnderIssuer(template({ certificateType: 'ca', pathLength: 2 }), constrained),
    ).toThrow('path_length 2 exceeds what the issuing CA allows (at most 1)');
    expect(
      pathLengthUnderIssuer(template({ certificateType: 'ca', pathLength: 5 }), context({ issuer: null }))
        .pathLength,
    ).toBe(5);
    expect(pathLengthUnderIssuer(template({ pathLength: 3 }), constrained).pathLength).toBeNull();
  });
});

describe('lifetimeWithinIssuer', () => {
  it('starts now (whole seconds) and lasts the requested days', () => {
    const validity = validityWithin(NOW, 10, null);
    expect(validity.notBefore.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(validity.notAfter.toISOString()).toBe('2030-01-11T00:00:00.000Z');
    expect(validity.clamped).toBe(false);
  });

  it('clamps to the issuer notAfter', () => {
    const issuerEnd = new Date('2030-01-05T00:00:00Z');
    expect(validityWithin(NOW, 10, { notBefore: null, notAfter: issuerEnd })).toMatchObject({
      notAfter: issuerEnd,
      clamped: true,
    });
  });

  it('clamps to an uploaded chain that ends before the CA does', () => {
    const chainEnd = new Date('2030-01-05T00:00:00Z');
    const { validity } = lifetimeWithinIssuer(
      template({ validDays: 10 }),
      context({ issuer: issuingCa({ issuerChainNotAfter: chainEnd }) }),
    );
    expect(validity).toMatchObject({ notAfter: chainEnd, clamped: true });
  });

  it('never starts before the issuer does', () => {
    const issuerStart = new Date('2030-06-01T00:00:00Z');
    const validity = validityWithin(NOW, 10, { notBefore: issuerStart, notAfter: null });
    expect(validity.notBefore).toEqual(issuerStart);
    expect(validity.notAfter.toISOString()).toBe('2030-06-11T00:00:00.000Z');
    const started = validityWithin(NOW, 10, {
      notBefore: new Date('2029-01-01T00:00:00Z'),
      notAfter: null,
    });
    expect(started.notBefore.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('refuses under an expired issuer', () => {
    expect(() =>
      validityWithin(NOW, 10, { notBefore: null, notAfter: new Date('2029-12-31T00:00:00Z') }),
    ).toThrow('expired');
  });
});

describe('lifetimeWithinIssuer under a profile', () => {
  it('backdates notBefore by backdate_seconds, keeping notAfter valid_days from now', () => {
    const { validity } = lifetimeWithinIssuer(
      template({ validDays: 10 }),
      context({ profile: profilePolicy({ backdateSeconds: 60 }) }),
    );
    expect(validity?.notBefore.toISOString()).toBe('2029-12-31T23:59:00.000Z');
    expect(validity?.notAfter.toISOString()).toBe('2030-01-11T00:00:00.000Z');
  });

  it("never backdates before the issuer's notBefore, and not at all without a profile", () => {
    const issuerStart = new Date('2029-12-31T23:59:30Z');
    const { validity } = lifetimeWithinIssuer(
      template({ validDays: 10 }),
      context({
        issuer: issuingCa({ notBefore: issuerStart }),
        profile: profilePolicy({ backdateSeconds: 3600 }),
      }),
    );
    expect(validity?.notBefore).toEqual(issuerStart);
    expect(lifetimeWithinIssuer(template(), context()).validity?.notBefore.toISOString()).toBe(
      '2030-01-01T00:00:00.000Z',
    );
  });

  it('takes the profile default lifetime when none is asked', () => {
    const result = lifetimeWithinIssuer(
      template({ validDays: null }),
      context({ profile: profilePolicy({ defaultValidityDays: 3 }) }),
    );
    expect(result.validDays).toBe(3);
    expect(result.validity?.notAfter.toISOString()).toBe('2030-01-04T00:00:00.000Z');
  });

  it("refuses instead of clamping with issuer_lifetime 'refuse', naming the days and the issuer's end", () => {
    const issuerEnd = new Date('2030-01-05T00:00:00Z');
    expect(() =>
      validityWithin(
        NOW,
        10,
        { notBefore: null, notAfter: issuerEnd },
        {
          refuseBeyondIssuer: (end) => new Error(`ends ${end.toISOString()}`),
        },
      ),
    ).toThrow('ends 2030-01-05T00:00:00.000Z');
    expect(() =>
      lifetimeWithinIssuer(
        template({ validDays: 10 }),
        context({
          issuer: issuingCa({ notAfter: issuerEnd }),
          profile: profilePolicy({ issuerLifetime: 'refuse' }),
        }),
      ),
    ).toThrow(
      `valid_days "10" is not allowed by profile "web" (allowed: until the issuer's notAfter 2030-01-05T00:00:00.000Z; issuer_lifetime is refuse)`,
    );
    // Within the issuer's lifetime nothing is refused.
    expect(
      lifetimeWithinIssuer(
        template({ validDays: 3 }),
        context({
          issuer: issuingCa({ notAfter: issuerEnd }),
          profile: profilePolicy({ issuerLifetime: 'refuse' }),
        }),
      ).validity?.clamped,
    ).toBe(false);
  });
});

describe("lifetimeWithinIssuer with the request's issuer_lifetime", () => {
  const issuerEnd = new Date('2030-01-05T00:00:00Z');
  const underShortIssuer = (profile = context().profile) =>
    context({ issuer: issuingCa({ notAfter: issuerEnd }), profile });

  it('refuses without a profile when the request asks for it, and clamps when it does not', () => {
    expect(() =>
      lifetimeWithinIssuer(template({ validDays: 10, issuerLifetime: 'refuse' }), underShortIssuer()),
    ).toThrow(
      'valid_days "10" would outlive the issuing CA (notAfter 2030-01-05T00:00:00.000Z) and issuer_lifetime is refuse',
    );
    const clamped = lifetimeWithinIssuer(template({ validDays: 10 }), underShortIssuer()).validity;
    expect(clamped).toMatchObject({ notAfter: issuerEnd, clamped: true });
    expect(
      lifetimeWithinIssuer(template({ validDays: 10, issuerLifetime: 'clamp' }), underShortIssuer()).validity
        ?.clamped,
    ).toBe(true);
  });

  it("refuses under a clamping profile when the request asks, and a request cannot undo a profile's refusal", () => {
    expect(() =>
      lifetimeWithinIssuer(
        template({ validDays: 10, issuerLifetime: 'refuse' }),
        underShortIssuer(profilePolicy({ issuerLifetime: 'clamp' })),
      ),
    ).toThrow('would outlive the issuing CA');
    expect(() =>
      lifetimeWithinIssuer(
        template({ validDays: 10, issuerLifetime: 'clamp' }),
        underShortIssuer(profilePolicy({ issuerLifetime: 'refuse' })),
      ),
    ).toThrow('is not allowed by profile "web"');
  });
});
