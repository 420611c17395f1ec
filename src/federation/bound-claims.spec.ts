import { InvalidInputError } from '../common/errors';
import { checkedBoundClaims, claimGlobMatches, unmatchedClaim } from './bound-claims';

describe('claimGlobMatches', () => {
  it.each([
    ['acme/app', 'acme/app', true],
    ['acme/app', 'acme/app2', false],
    ['acme/*', 'acme/app', true],
    ['acme/*', 'acme/', true],
    ['acme/*', 'acme', false],
    ['acme/*', 'evil/acme/app', false],
    ['*/app', 'acme/app', true],
    ['refs/tags/v*', 'refs/tags/v1.2.3', true],
    ['refs/tags/v*', 'refs/heads/v1', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['ab*ba', 'aba', false],
    ['ab*ba', 'abba', true],
    ['repo:acme/*:ref:refs/heads/main', 'repo:acme/app:ref:refs/heads/main', true],
    ['repo:acme/*:ref:refs/heads/main', 'repo:acme/app:ref:refs/heads/dev', false],
  ])('%s against %s: %s', (pattern, value, expected) => {
    expect(claimGlobMatches(pattern, value)).toBe(expected);
  });
});

describe('checkedBoundClaims', () => {
  it('keeps strings and de-duplicated lists', () => {
    expect(
      checkedBoundClaims({
        repository: 'acme/*',
        ref: ['refs/heads/main', 'refs/heads/main', 'refs/tags/v*'],
      }),
    ).toEqual({
      repository: 'acme/*',
      ref: ['refs/heads/main', 'refs/tags/v*'],
    });
  });

  it.each([
    [{}, 'must bind at least one claim'],
    [[], 'must be an object'],
    [{ aud: 'x' }, 'bound_claims.aud: is checked by the trust policy itself'],
    [{ iss: 'x' }, 'bound_claims.iss'],
    [{ repository: '*' }, 'bound_claims.repository: "*" matches every value, which binds nothing'],
    [{ repository: ['acme/app', '**'] }, 'bound_claims.repository[1]: "**" matches every value'],
    [{ repository: [] }, 'must be a string or a list of 1 to 64 strings'],
    [{ repository: 42 }, 'must be a string or a list'],
    [{ repository: [42] }, 'bound_claims.repository[0]: must be a non-empty string'],
    [{ 'bad name': 'x' }, '"bad name" is not a claim name'],
  ])('refuses %j', (input, message) => {
    expect(() => checkedBoundClaims(input)).toThrow(InvalidInputError);
    expect(() => checkedBoundClaims(input)).toThrow(message);
  });
});

describe('unmatchedClaim', () => {
  const claims = {
    repository: 'acme/app',
    ref: 'refs/heads/main',
    groups: ['dev', 'ops'],
    run_number: 7,
    protected: true,
  };

  it('is null when every bound claim matches one of its values', () => {
    expect(
      unmatchedClaim({ repository: 'acme/*', ref: ['refs/heads/main', 'refs/tags/*'] }, claims),
    ).toBeNull();
  });

  it('matches an element of a list claim, and numbers and booleans as text', () => {
    expect(unmatchedClaim({ groups: 'ops', run_number: '7', protected: 'true' }, claims)).toBeNull();
  });

  it('names the first claim that fails and the value the token has for it', () => {
    expect(unmatchedClaim({ repository: 'acme/*', ref: 'refs/heads/release' }, claims)).toEqual({
      name: 'ref',
      actual: '"refs/heads/main"',
    });
    expect(unmatchedClaim({ environment: 'production' }, claims)).toEqual({
      name: 'environment',
      actual: 'absent',
    });
  });

  it('is case-sensitive, like the claims GitHub and GitLab send', () => {
    expect(unmatchedClaim({ repository: 'Acme/App' }, claims)).toEqual({
      name: 'repository',
      actual: '"acme/app"',
    });
  });
});
