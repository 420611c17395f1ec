import { caPublicUrls, caSlug, nameSlug, parseCaSlug } from './ca-slug';

describe('CA slugs', () => {
  it.each([
    ['My Root CA', 'my-root-ca'],
    ['Acme.Corp  Root_2', 'acmecorp-root-2'],
    ['  --Edge__case--  ', 'edge-case'],
    ['Ünïcode CA', 'ünïcode-ca'],
    ['!!!', ''],
  ])('slugs %j as %j', (name, expected) => {
    expect(nameSlug(name)).toBe(expected);
  });

  it('appends the id', () => {
    expect(caSlug('My Root CA', 3)).toBe('my-root-ca-3');
    expect(caSlug('!!!', 7)).toBe('7');
  });

  it('parses its own output and refuses malformed slugs', () => {
    expect(parseCaSlug('my-root-ca-3')).toEqual({ namePart: 'my-root-ca', id: 3 });
    expect(parseCaSlug('7')).toEqual({ namePart: '', id: 7 });
    expect(parseCaSlug('my-root-ca')).toBeNull();
    expect(parseCaSlug('my-root-ca-0')).toBeNull();
    expect(parseCaSlug('x-99999999999')).toBeNull();
  });

  it('builds the CRL and CA-issuer URLs', () => {
    expect(caPublicUrls('https://pki.example', 'My Root CA', 3)).toEqual({
      crlUrl: 'https://pki.example/crl/my-root-ca-3',
      certificateUrl: 'https://pki.example/ca/my-root-ca-3.crt',
    });
  });

  it('percent-encodes a slug with non-ASCII letters, since certificate URIs are ASCII', () => {
    expect(caPublicUrls('https://pki.example', 'Ünïcode CA', 4)).toEqual({
      crlUrl: 'https://pki.example/crl/%C3%BCn%C3%AFcode-ca-4',
      certificateUrl: 'https://pki.example/ca/%C3%BCn%C3%AFcode-ca-4.crt',
    });
  });
});
