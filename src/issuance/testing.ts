import type { IssuanceContext, IssuanceTemplate, IssuingCa } from './issuance-template';
import type { ProfilePolicy } from './profile-policy';

const DAY_MS = 86_400_000;

/** A fixed instant, so every spec computes the same dates. */
export const NOW = new Date('2030-01-01T00:00:00.500Z');

/** An active CA valid from a year before NOW to a year after, allowing leaves, without a path limit. */
export function issuingCa(overrides: Partial<IssuingCa> = {}): IssuingCa {
  return {
    id: 7,
    status: 'active',
    notBefore: new Date(NOW.getTime() - 365 * DAY_MS),
    notAfter: new Date(NOW.getTime() + 365 * DAY_MS),
    issuerChainNotAfter: null,
    allowLeafCerts: true,
    pathLength: null,
    nameConstraints: [],
    ...overrides,
  };
}

export function context(overrides: Partial<IssuanceContext> = {}): IssuanceContext {
  return { issuer: issuingCa(), now: NOW, maxSans: 100, defaultValidDays: 365, profile: null, ...overrides };
}

/** A server certificate for web.example, 30 days, EC P-256. */
export function template(overrides: Partial<IssuanceTemplate> = {}): IssuanceTemplate {
  return {
    subject: [{ type: 'CN', value: 'web.example' }],
    san: { dns: [], ip: [], email: [], uri: [] },
    certificateType: 'server',
    keySpec: { type: 'ec', size: 256 },
    validDays: 30,
    pathLength: null,
    validity: null,
    ...overrides,
  };
}

/** Profile "web" (id 3) restricting nothing: every list null or empty-meaning-any, CN settable, 60 s backdate. */
export function profilePolicy(overrides: Partial<ProfilePolicy> = {}): ProfilePolicy {
  return {
    id: 3,
    name: 'web',
    caIds: [],
    certificateTypes: [],
    keyTypes: [],
    minRsaBits: null,
    allowedDns: null,
    allowWildcardCertificates: false,
    allowedIpRanges: null,
    allowedEmails: null,
    allowedUris: null,
    allowedSubjectAttributes: ['CN'],
    fixedSubject: {},
    defaultValidityDays: null,
    maxValidityDays: null,
    backdateSeconds: 60,
    issuerLifetime: 'clamp',
    sanTemplates: null,
    renewalReusesKey: false,
    ...overrides,
  };
}
