import { InvalidInputError } from '../common/errors';
import { checkedSanTemplates, renderSanTemplates } from './san-templates';

const GITHUB = {
  repository: 'acme/app',
  repository_owner: 'Acme',
  ref_name: 'main',
  sub: 'repo:acme/app:ref:refs/heads/main',
};

describe('checkedSanTemplates', () => {
  it('keeps templates in canonical form: literals in lower case, claim names as written', () => {
    expect(
      checkedSanTemplates({
        dns_names: ['{{ repository_owner }}.CI.Internal', '{{repository_owner}}-{{ref_name}}.ci.internal'],
        uris: ['SPIFFE://ci.internal/gh/{{ repository }}'],
      }),
    ).toEqual({
      dnsNames: ['{{repository_owner}}.ci.internal', '{{repository_owner}}-{{ref_name}}.ci.internal'],
      uris: ['spiffe://ci.internal/gh/{{repository}}'],
    });
  });

  it.each([
    [{}, 'needs at least one template'],
    [{ dns_names: ['*.{{repository_owner}}.ci.internal'] }, 'may not contain "*"'],
    [{ dns_names: ['{{repository_owner}}.internal'] }, 'needs a fixed domain of at least two labels'],
    [
      { dns_names: ['app.{{repository_owner}}.internal'] },
      'may have placeholders only left of its last two labels',
    ],
    [{ dns_names: ['app.ci.{{tld}}'] }, 'may have placeholders only left of its last two labels'],
    [{ dns_names: ['{{owner}}_x.ci.internal'] }, 'has an invalid label'],
    [{ dns_names: ['{owner}.ci.internal'] }, 'is not a {{claim}} placeholder'],
    [{ dns_names: ['{{owner.name}}.ci.internal'] }, 'is not a {{claim}} placeholder'],
    [{ uris: ['spiffe://{{repository_owner}}.ci.internal/x'] }, 'placeholders only in its path'],
    [{ uris: ['{{scheme}}://ci.internal/x'] }, 'placeholders only in its path'],
    [{ uris: ['spiffe://ci.internal/*'] }, 'is not a URI template'],
    [{ uris: ['not a uri {{x}}'] }, 'is not a URI template'],
  ])('refuses %j', (input, message) => {
    expect(() => checkedSanTemplates(input)).toThrow(InvalidInputError);
    expect(() => checkedSanTemplates(input)).toThrow(message);
  });
});

describe('renderSanTemplates', () => {
  const templates = checkedSanTemplates({
    dns_names: [
      '{{repository_owner}}.ci.internal',
      '{{repository_owner}}-{{ref_name}}.ci.internal',
      'fixed.ci.internal',
    ],
    uris: ['spiffe://ci.internal/gh/{{repository}}'],
  });

  it('renders DNS values in lower case and URI paths as they are', () => {
    expect(renderSanTemplates(templates, GITHUB, 'ci')).toEqual({
      dns: ['acme.ci.internal', 'acme-main.ci.internal', 'fixed.ci.internal'],
      uri: ['spiffe://ci.internal/gh/acme/app'],
    });
  });

  it('refuses a claim the token does not carry, or carries empty', () => {
    expect(() => renderSanTemplates(templates, { ...GITHUB, ref_name: '' }, 'ci')).toThrow(
      'san_templates.dns_names[1] "{{repository_owner}}-{{ref_name}}.ci.internal" of profile "ci" needs claim "ref_name"',
    );
    const withoutRepository: Record<string, string> = { ...GITHUB };
    delete withoutRepository.repository;
    expect(() => renderSanTemplates(templates, withoutRepository, 'ci')).toThrow('needs claim "repository"');
  });

  it.each([
    ['evil.com', 'a dot would add a label'],
    ['*', 'a wildcard'],
    ['a.b', 'a dot'],
    ['acme/app', 'a slash'],
    ['büro', 'a Unicode letter'],
    ['x'.repeat(64), 'too long for a label'],
  ])('refuses the DNS value %j (%s)', (owner) => {
    expect(() => renderSanTemplates(templates, { ...GITHUB, repository_owner: owner }, 'ci')).toThrow(
      InvalidInputError,
    );
  });

  it('refuses a rendered label with an outer hyphen', () => {
    expect(() => renderSanTemplates(templates, { ...GITHUB, repository_owner: '-acme' }, 'ci')).toThrow(
      'whose label "-acme" is not valid',
    );
  });

  it.each(['../etc', 'acme/../x', 'a?b', 'a#b', 'a%2Fb', 'a b', '/acme', 'acme/', 'a//b', 'user@host'])(
    'refuses the URI value %j',
    (repository) => {
      expect(() => renderSanTemplates(templates, { ...GITHUB, repository }, 'ci')).toThrow(
        'cannot be written into a URI',
      );
    },
  );
});
