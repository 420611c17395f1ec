import { InvalidInputError } from '../../common/errors';
import { context, profilePolicy, template } from '../testing';
import { renewalKeyReuse } from './renewal.rules';

describe('renewalKeyReuse', () => {
  const reused = template({ renewal: { certificateId: 9, keyReused: true } });
  const newKey = template({ renewal: { certificateId: 9, keyReused: false } });

  it('lets anything that is not a renewal with the same key through', () => {
    for (const candidate of [template(), newKey]) {
      expect(renewalKeyReuse(candidate, context())).toBe(candidate);
      expect(renewalKeyReuse(candidate, context({ profile: profilePolicy() }))).toBe(candidate);
    }
  });

  it('keeps the key only under a profile with renewal_reuses_key', () => {
    const allowing = context({ profile: profilePolicy({ renewalReusesKey: true }) });
    expect(renewalKeyReuse(reused, allowing)).toBe(reused);
  });

  it('refuses the same key under a profile without it, naming the profile and the field', () => {
    expect(() => renewalKeyReuse(reused, context({ profile: profilePolicy() }))).toThrow(
      new InvalidInputError(
        'Certificate 9 cannot be renewed for its current public key: profile "web" does not allow renewing ' +
          'with the same key (renewal_reuses_key is false); send a CSR for a new key',
      ),
    );
  });

  it('refuses the same key without a profile', () => {
    expect(() => renewalKeyReuse(reused, context())).toThrow(
      /issued without a profile is renewed with a new key/,
    );
  });
});
