import * as forge from 'node-forge';
import { InvalidInputError } from '../common/errors';
import {
  commonName,
  decodeName,
  decodeNameDer,
  encodeName,
  encodeNameDer,
  formatDistinguishedName,
  normaliseDistinguishedName,
  parseDistinguishedName,
} from './distinguished-name';
import { OpensslWorkspace } from './testing/openssl-cli';
import { derToPem } from './pem';
import { generateKeyPair, spkiDer } from './keys';
import { selfSign } from './certificate-builder';
import { template } from './testing/templates';

describe('distinguished names', () => {
  describe('parseDistinguishedName', () => {
    it('reverses RFC 4514 order so the most significant attribute comes first', () => {
      expect(parseDistinguishedName('CN=a,O=b,C=US')).toEqual([
        { type: 'C', value: 'US' },
        { type: 'O', value: 'b' },
        { type: 'CN', value: 'a' },
      ]);
    });

    it('reads the OpenSSL slash form in written order', () => {
      expect(parseDistinguishedName('/C=US/O=b/CN=a')).toEqual([
        { type: 'C', value: 'US' },
        { type: 'O', value: 'b' },
        { type: 'CN', value: 'a' },
      ]);
      expect(parseDistinguishedName('/CN=a\\/b/')).toEqual([{ type: 'CN', value: 'a/b' }]);
    });

    it('keeps an escaped separator inside one value (no injection)', () => {
      const dn = parseDistinguishedName('CN=a\\,O=Evil');
      expect(dn).toEqual([{ type: 'CN', value: 'a,O=Evil' }]);
      expect(formatDistinguishedName(dn)).toBe('CN=a\\,O=Evil');
      expect(parseDistinguishedName('/CN=a,O=Evil')).toEqual([{ type: 'CN', value: 'a,O=Evil' }]);
    });

    it('decodes escapes, hex pairs and UTF-8, and trims spaces around separators', () => {
      expect(parseDistinguishedName(' CN = J\\+D \\"x\\" \\\\ \\= ,  O = Caf\\C3\\A9 ')).toEqual([
        { type: 'O', value: 'Café' },
        { type: 'CN', value: 'J+D "x" \\ =' },
      ]);
      expect(parseDistinguishedName('CN=\\ lead and trail\\ ')).toEqual([
        { type: 'CN', value: ' lead and trail ' },
      ]);
      expect(parseDistinguishedName('CN=a\\ \n')).toEqual([{ type: 'CN', value: 'a ' }]);
      expect(parseDistinguishedName('CN=Zoë Ünïcødé')).toEqual([{ type: 'CN', value: 'Zoë Ünïcødé' }]);
    });

    it('accepts case-insensitive names, long names and dotted OIDs', () => {
      expect(
        parseDistinguishedName('commonName=a,ou=b,2.5.4.10=c,1.2.3.4=d,emailaddress=x@y.z,dc=example,c=de'),
      ).toEqual([
        { type: 'C', value: 'DE' },
        { type: 'DC', value: 'example' },
        { type: 'emailAddress', value: 'x@y.z' },
        { type: '1.2.3.4', value: 'd' },
        { type: 'O', value: 'c' },
        { type: 'OU', value: 'b' },
        { type: 'CN', value: 'a' },
      ]);
    });

    it('reads multi-valued RDNs', () => {
      const dn = parseDistinguishedName('CN=a+UID=u1,O=b');
      expect(dn).toEqual([
        { type: 'O', value: 'b' },
        { type: 'CN', value: 'a' },
        { type: 'UID', value: 'u1', sameRdnAsPrevious: true },
      ]);
      expect(formatDistinguishedName(dn)).toBe('CN=a+UID=u1,O=b');
    });

    it.each([
      ['', 'empty'],
      ['   ', 'empty'],
      ['CN', 'missing "="'],
      ['CN=a,O', 'missing "="'],
      ['CN=', 'is empty'],
      ['CN=a,', 'ends with a separator'],
      ['FOO=bar', 'Unknown distinguished name attribute "FOO"'],
      ['CN=a,C=USA', 'two-letter country code'],
      ['C=1X', 'two-letter country code'],
      ['CN=a;O=b', 'unescaped ";"'],
      ['CN=#0403', 'starts with "#"'],
      ['CN=\\q', 'invalid escape'],
      ['CN=\\FF', 'not valid UTF-8'],
      ['emailAddress=é@x.y', 'ASCII'],
      ['serialNumber=a_b', 'may only contain'],
      [`CN=${'x'.repeat(65)}`, 'longer than 64'],
      ['/C=US//CN=a', 'empty component'],
    ])('refuses %j (%s)', (text, message) => {
      expect(() => parseDistinguishedName(text)).toThrow(InvalidInputError);
      expect(() => parseDistinguishedName(text)).toThrow(message);
    });
  });

  describe('formatDistinguishedName', () => {
    it('round-trips values that need escaping', () => {
      const values = ['a,b', 'a+b', 'a"b', 'a\\b', '#lead', ' spaced ', 'a;b<c>d', 'a=b', 'ünï'];
      for (const value of values) {
        const dn = [
          { type: 'O', value: 'Org' },
          { type: 'CN', value },
        ];
        const text = formatDistinguishedName(dn);
        expect(parseDistinguishedName(text)).toEqual(dn);
      }
    });

    it('writes most specific first', () => {
      expect(formatDistinguishedName(parseDistinguishedName('/C=US/O=b/CN=a'))).toBe('CN=a,O=b,C=US');
    });
  });

  it('finds the most specific common name', () => {
    expect(commonName(parseDistinguishedName('CN=leaf,OU=x,CN=outer'))).toBe('leaf');
    expect(commonName(parseDistinguishedName('O=x'))).toBeNull();
  });

  it('validates a typed DN received as JSON', () => {
    expect(normaliseDistinguishedName([{ type: 'commonName', value: 'x' }])).toEqual([
      { type: 'CN', value: 'x' },
    ]);
    expect(() => normaliseDistinguishedName([{ type: 'CN', value: '' }])).toThrow(InvalidInputError);
    expect(() => normaliseDistinguishedName([{ type: 'CN', value: 'a\nb' }])).toThrow('control characters');
  });

  describe('DER', () => {
    it('encodes string types per attribute and decodes them back', () => {
      const dn = parseDistinguishedName(
        'CN=Zoë,serialNumber=1234,emailAddress=a@b.c,DC=example,OU=a\\,b,O=Org+UID=x,C=us',
      );
      const der = encodeNameDer(dn);
      const hex = der.toString('hex');
      expect(hex).toContain('0603550406' + '1302' + Buffer.from('US').toString('hex')); // C PrintableString
      expect(hex).toContain('0603550405' + '1304'); // serialNumber PrintableString
      expect(hex).toContain('06092a864886f70d010901' + '1605'); // emailAddress IA5String
      expect(hex).toContain('060a0992268993f22c640119' + '1607'); // DC IA5String
      expect(hex).toContain('0603550403' + '0c04'); // CN UTF8String (4 bytes for Zoë)
      expect(decodeNameDer(der)).toEqual(dn);
    });

    it('orders the members of a multi-valued RDN by their encoding', () => {
      const a = encodeNameDer([
        { type: 'CN', value: 'x' },
        { type: 'O', value: 'y', sameRdnAsPrevious: true },
      ]);
      const b = encodeNameDer([
        { type: 'O', value: 'y' },
        { type: 'CN', value: 'x', sameRdnAsPrevious: true },
      ]);
      expect(a.equals(b)).toBe(true);
    });

    it('is read by openssl as one attribute per value', async () => {
      const workspace = new OpensslWorkspace();
      try {
        const { privateKey, publicKey } = await generateKeyPair({ type: 'ec', size: 256 });
        const subject = parseDistinguishedName('CN=a\\,O=Evil+UID=u,O=Good,C=US');
        const der = await selfSign(
          template({ subject, subjectPublicKeyDer: spkiDer(publicKey), certificateType: 'ca' }),
          privateKey,
        );
        workspace.write('c.pem', derToPem(der, 'CERTIFICATE'));
        const out = workspace.ok(['x509', '-in', 'c.pem', '-noout', '-subject', '-nameopt', 'RFC2253']);
        // DER sorts the members of the multi-valued RDN, so UID comes first.
        expect(out.trim()).toBe('subject=UID=u+CN=a\\,O=Evil,O=Good,C=US');
      } finally {
        workspace.cleanup();
      }
    });
  });
});

describe('subjects a CSR asks for', () => {
  const { Class, Type } = forge.asn1;
  const attribute = (oid: string, type: number, value: string) =>
    forge.asn1.create(Class.UNIVERSAL, Type.SET, true, [
      forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [
        forge.asn1.create(Class.UNIVERSAL, Type.OID, false, forge.asn1.oidToDer(oid).getBytes()),
        forge.asn1.create(Class.UNIVERSAL, type, false, value),
      ]),
    ]);
  const name = (...sets: forge.asn1.Asn1[]) => forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, sets);

  it('refuses a value that is not a string, naming the attribute', () => {
    const dn = name(attribute('2.5.4.3', Type.UTF8, 'a'), attribute('2.5.4.45', Type.BITSTRING, '\x00\xab'));
    expect(() => decodeName(dn, { requestedBy: 'CSR' })).toThrow(
      new InvalidInputError(
        'CSR subject attribute 2.5.4.45 is a BIT STRING, not a string; it cannot be issued',
      ),
    );
    // A certificate read from elsewhere is shown as RFC 4514 hex, as before.
    expect(decodeName(dn)[1].value).toMatch(/^#03/);
  });

  it('keeps PrintableString values of DirectoryString attributes and re-encodes them so', () => {
    const dn = decodeName(
      name(
        attribute('2.5.4.6', Type.PRINTABLESTRING, 'US'),
        attribute('2.5.4.10', Type.PRINTABLESTRING, 'Acme'),
        attribute('2.5.4.3', Type.UTF8, 'host.example'),
        attribute('1.2.840.113549.1.9.1', Type.IA5STRING, 'a@b.example'),
      ),
      { requestedBy: 'CSR' },
    );
    expect(dn).toEqual([
      { type: 'C', value: 'US' },
      { type: 'O', value: 'Acme', stringType: 'printable' },
      { type: 'CN', value: 'host.example' },
      { type: 'emailAddress', value: 'a@b.example' },
    ]);
    const types = (encodeName(normaliseDistinguishedName(dn)).value as forge.asn1.Asn1[]).map(
      (set) => ((set.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[])[1].type,
    );
    expect(types).toEqual([Type.PRINTABLESTRING, Type.PRINTABLESTRING, Type.UTF8, Type.IA5STRING]);
    // A PrintableString asked for a value that does not fit it is written as UTF8String.
    expect(
      (
        encodeName([{ type: 'O', value: 'Acme & Co', stringType: 'printable' }]).value as forge.asn1.Asn1[]
      ).map((set) => ((set.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[])[1].type),
    ).toEqual([Type.UTF8]);
  });
});
