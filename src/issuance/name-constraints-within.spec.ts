import type { ChainConstraints, GeneralSubtrees, NameConstraints } from './name-constraints';
import { assertWithinChain } from './name-constraints-within';

function trees(partial: Partial<GeneralSubtrees> = {}): GeneralSubtrees {
  return { dns: [], ipRanges: [], emails: [], uris: [], ...partial };
}
function constraints(
  permitted: Partial<GeneralSubtrees>,
  excluded: Partial<GeneralSubtrees> = {},
): NameConstraints {
  return { permitted: trees(permitted), excluded: trees(excluded) };
}

const ROOT: ChainConstraints = {
  caName: 'Root',
  constraints: constraints(
    { dns: ['corp.example'], ipRanges: ['10.0.0.0/8'] },
    { dns: ['secret.corp.example'] },
  ),
};
const INTERMEDIATE: ChainConstraints = {
  caName: 'Intermediate',
  constraints: constraints({ dns: ['.eu.corp.example'] }),
};

describe('a child CA within its chain', () => {
  it('accepts narrower or equal subtrees, new forms the chain does not constrain, and more exclusions', () => {
    expect(() =>
      assertWithinChain(constraints({ dns: ['eu.corp.example', 'corp.example'] }), [ROOT]),
    ).not.toThrow();
    expect(() =>
      assertWithinChain(constraints({ ipRanges: ['10.20.0.0/16'], emails: ['corp.example'] }), [ROOT]),
    ).not.toThrow();
    expect(() => assertWithinChain(constraints({}, { dns: ['x.other.test'] }), [ROOT])).not.toThrow();
    expect(() =>
      assertWithinChain(constraints({ dns: ['a.eu.corp.example'] }), [INTERMEDIATE, ROOT]),
    ).not.toThrow();
    expect(() => assertWithinChain(null, [ROOT])).not.toThrow();
    expect(() => assertWithinChain(constraints({ dns: ['anything.test'] }), [])).not.toThrow();
  });

  it('refuses a permitted subtree outside an ancestor, naming the subtree and the CA', () => {
    expect(() => assertWithinChain(constraints({ dns: ['corp.example', 'other.test'] }), [ROOT])).toThrow(
      'name_constraints.permitted.dns[1] "other.test" is outside the name constraints of CA "Root" (permitted: corp.example)',
    );
    expect(() => assertWithinChain(constraints({ ipRanges: ['0.0.0.0/0'] }), [ROOT])).toThrow(
      'name_constraints.permitted.ip_ranges[0] "0.0.0.0/0" is outside the name constraints of CA "Root" (permitted: 10.0.0.0/8)',
    );
    expect(() => assertWithinChain(constraints({ dns: ['eu.corp.example'] }), [INTERMEDIATE, ROOT])).toThrow(
      'CA "Intermediate" (permitted: .eu.corp.example)',
    );
  });

  it('refuses a permitted subtree inside an ancestor exclusion', () => {
    expect(() => assertWithinChain(constraints({ dns: ['db.secret.corp.example'] }), [ROOT])).toThrow(
      'name_constraints.permitted.dns[0] "db.secret.corp.example" is outside the name constraints of CA "Root" (excluded: secret.corp.example)',
    );
  });
});
