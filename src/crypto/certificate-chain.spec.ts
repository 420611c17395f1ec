import { InvalidInputError } from '../common/errors';
import { parseLinkedChain } from './certificate-chain';
import { derToPem } from './pem';
import { makeIntermediate, makeRoot, TestCa } from './testing/templates';

const EC = { type: 'ec', size: 256 } as const;

const pem = (...cas: TestCa[]) => cas.map((ca) => derToPem(ca.certificate, 'CERTIFICATE')).join('');

describe('parseLinkedChain', () => {
  let root: TestCa;
  let intermediate: TestCa;
  let otherRoot: TestCa;

  beforeAll(async () => {
    root = await makeRoot(EC, 'Chain Root');
    intermediate = await makeIntermediate(root, EC, 'Chain Intermediate');
    otherRoot = await makeRoot(EC, 'Chain Root'); // same name, different key
  });

  it('returns the certificates, leaf first, when each is signed by the next', async () => {
    const chain = await parseLinkedChain(pem(intermediate, root));
    expect(chain.map((item) => item.der)).toEqual([intermediate.certificate, root.certificate]);
  });

  it('accepts a chain whose top issuer was left out, and a lone self-signed certificate', async () => {
    await expect(parseLinkedChain(pem(intermediate))).resolves.toHaveLength(1);
    await expect(parseLinkedChain(pem(root))).resolves.toHaveLength(1);
  });

  it('refuses the wrong order', async () => {
    await expect(parseLinkedChain(pem(root, intermediate))).rejects.toThrow(
      'the issuer of certificate 1 is not the subject of certificate 2',
    );
  });

  it('refuses an issuer with the right name but another key', async () => {
    await expect(parseLinkedChain(pem(intermediate, otherRoot))).rejects.toThrow(
      'certificate 1 is not signed by certificate 2',
    );
  });

  it('refuses blocks that are not certificates, and text without PEM', async () => {
    const csrBlock = '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n';
    await expect(parseLinkedChain(pem(intermediate) + csrBlock)).rejects.toThrow(
      'Block 2 of certificate_chain is "CERTIFICATE REQUEST"',
    );
    await expect(parseLinkedChain('hello')).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('refuses a certificate whose bytes were altered', async () => {
    const tampered = Buffer.from(intermediate.certificate);
    tampered[tampered.length - 10] ^= 0xff;
    await expect(parseLinkedChain(derToPem(tampered, 'CERTIFICATE') + pem(root))).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});
