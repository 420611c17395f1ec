import { checkedSanTemplates } from '../san-templates';
import { approveIssuance } from '../issuance-pipeline';
import { context, profilePolicy, template } from '../testing';
import { sansFromProfileTemplates } from './template.rules';

const CLAIMS = { repository: 'acme/app', repository_owner: 'acme' };
const templated = profilePolicy({
  name: 'ci',
  allowedDns: ['*.ci.internal'],
  allowedUris: ['spiffe://ci.internal/*'],
  sanTemplates: checkedSanTemplates({
    dns_names: ['{{repository_owner}}.ci.internal'],
    uris: ['spiffe://ci.internal/gh/{{repository}}'],
  }),
});
const none = { dns: [], ip: [], email: [], uri: [] };

describe('sansFromProfileTemplates', () => {
  it('is a no-op without a profile or without templates', () => {
    const given = template();
    expect(sansFromProfileTemplates(given, context())).toBe(given);
    expect(sansFromProfileTemplates(given, context({ profile: profilePolicy() }))).toBe(given);
  });

  it('writes the rendered names as the SANs', () => {
    const result = sansFromProfileTemplates(
      template({ subject: [], san: none }),
      context({ profile: templated, workloadClaims: CLAIMS }),
    );
    expect(result.san).toEqual({
      dns: ['acme.ci.internal'],
      ip: [],
      email: [],
      uri: ['spiffe://ci.internal/gh/acme/app'],
    });
  });

  it('accepts requested names and a Common Name that are rendered ones', () => {
    const result = sansFromProfileTemplates(
      template({
        subject: [{ type: 'CN', value: 'ACME.ci.internal' }],
        san: { ...none, dns: ['acme.ci.internal'], uri: ['spiffe://ci.internal/gh/acme/app'] },
      }),
      context({ profile: templated, workloadClaims: CLAIMS }),
    );
    expect(result.san.dns).toEqual(['acme.ci.internal']);
  });

  it.each([
    [
      { ...none, dns: ['other.ci.internal'] },
      'san_dns_names[0] "other.ci.internal" is not one of the SANs profile "ci" renders',
    ],
    [{ ...none, uri: ['spiffe://ci.internal/gh/evil/app'] }, 'san_uris[0]'],
    [{ ...none, ip: ['10.0.0.1'] }, 'san_ip_addresses[0] "10.0.0.1"'],
  ])('refuses a requested SAN that is not rendered: %j', (san, message) => {
    expect(() =>
      sansFromProfileTemplates(
        template({ subject: [], san }),
        context({ profile: templated, workloadClaims: CLAIMS }),
      ),
    ).toThrow(message);
  });

  it('refuses a Common Name that is not a rendered DNS name', () => {
    expect(() =>
      sansFromProfileTemplates(
        template({ subject: [{ type: 'CN', value: 'web.example' }], san: none }),
        context({ profile: templated, workloadClaims: CLAIMS }),
      ),
    ).toThrow(
      'common_name "web.example" is not one of the SANs profile "ci" renders for this workload (rendered: acme.ci.internal, spiffe://ci.internal/gh/acme/app)',
    );
  });

  it('lets a renewal keep the SANs its certificate was rendered with, without claims', () => {
    const renewal = template({
      subject: [{ type: 'CN', value: 'acme.ci.internal' }],
      san: { ...none, dns: ['acme.ci.internal'], uri: ['spiffe://ci.internal/gh/acme/app'] },
      renewal: { certificateId: 4, keyReused: false },
    });
    expect(sansFromProfileTemplates(renewal, context({ profile: templated }))).toBe(renewal);
    expect(approveIssuance(renewal, context({ profile: templated })).san.dns).toEqual(['acme.ci.internal']);
  });

  it('refuses the profile without workload claims', () => {
    expect(() => sansFromProfileTemplates(template({ san: none }), context({ profile: templated }))).toThrow(
      'profile "ci" renders its SANs from the claims of a CI workload (san_templates)',
    );
  });

  it('leaves the rendered names to every other rule: allowed_dns still refuses', () => {
    const narrow = { ...templated, allowedDns: ['*.other.internal'] };
    expect(() =>
      approveIssuance(
        template({ subject: [], san: none }),
        context({ profile: narrow, workloadClaims: CLAIMS }),
      ),
    ).toThrow('san_dns_names[0] "acme.ci.internal" is not allowed by profile "ci"');
  });

  it('passes the whole pipeline with a profile that allows the rendered names', () => {
    const approved = approveIssuance(
      template({ subject: [{ type: 'CN', value: 'acme.ci.internal' }], san: none }),
      context({ profile: templated, workloadClaims: CLAIMS }),
    );
    expect(approved.san.dns).toEqual(['acme.ci.internal']);
    expect(approved.san.uri).toEqual(['spiffe://ci.internal/gh/acme/app']);
  });
});
