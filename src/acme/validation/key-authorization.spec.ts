import { keyAuthorization, keyAuthorizationDigest } from './key-authorization';

describe('keyAuthorization', () => {
  // RFC 7638 §3.1's example key and its thumbprint.
  const jwk = {
    kty: 'RSA',
    n:
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs' +
      'tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajr' +
      'n1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
    e: 'AQAB',
  };

  it('is the token, a dot and the base64url SHA-256 JWK thumbprint (RFC 8555 §8.1)', async () => {
    await expect(keyAuthorization('token-1', jwk)).resolves.toBe(
      'token-1.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    );
  });

  it('digests to the SHA-256 of the key authorization', () => {
    expect(keyAuthorizationDigest('a.b').toString('hex')).toBe(
      '2e7336dc8eba87ef472df568c35482abf2575dc3e5eac0c5c62b8ffaeac2c934',
    );
  });
});
