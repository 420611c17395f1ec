import { InvalidInputError } from '../common/errors';
import { derToPem, fingerprintSha256, pemToDer, splitPemBlocks } from './pem';

describe('PEM helpers', () => {
  const der = Buffer.from(Array.from({ length: 100 }, (_, i) => i));

  it('round-trips DER through PEM with 64-character lines', () => {
    const pem = derToPem(der, 'CERTIFICATE');
    expect(pem.split('\n')[1]).toHaveLength(64);
    expect(pemToDer(pem, 'CERTIFICATE').equals(der)).toBe(true);
    expect(pemToDer(`explanatory text\n${pem}\n`, ['X509 CERTIFICATE', 'CERTIFICATE']).equals(der)).toBe(
      true,
    );
  });

  it('splits a chain into labelled blocks', () => {
    const text = `${derToPem(der, 'CERTIFICATE')}junk between\n${derToPem(Buffer.from([1, 2, 3]), 'X509 CRL')}`;
    expect(splitPemBlocks(text)).toEqual([
      { label: 'CERTIFICATE', der },
      { label: 'X509 CRL', der: Buffer.from([1, 2, 3]) },
    ]);
    expect(splitPemBlocks('no pem here')).toEqual([]);
  });

  it.each([
    ['', 'found no PEM data'],
    ['-----BEGIN CERTIFICATE-----\nAAAA\n', 'not terminated'],
    ['-----BEGIN CERTIFICATE-----\nA$AA\n-----END CERTIFICATE-----', 'valid base64'],
    ['-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----', 'valid base64'],
    ['-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----', 'empty'],
    ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END X509 CRL-----', 'closed by'],
    ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', 'found "PRIVATE KEY"'],
    [
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END RSA PRIVATE KEY-----',
      'headers',
    ],
  ])('refuses broken PEM %#', (pem, message) => {
    expect(() => pemToDer(pem, 'CERTIFICATE')).toThrow(InvalidInputError);
    expect(() => pemToDer(pem, 'CERTIFICATE')).toThrow(message);
  });

  it('refuses two blocks where one is expected', () => {
    const pem = derToPem(der, 'CERTIFICATE') + derToPem(der, 'CERTIFICATE');
    expect(() => pemToDer(pem, 'CERTIFICATE')).toThrow('found 2 blocks');
  });

  it('fingerprints as 64 lowercase hex digits', () => {
    expect(fingerprintSha256(Buffer.from('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
