import { InvalidInputError } from '../common/errors';
import { parseCertificate, verifyCertificateSignature } from './certificate-parser';
import type { ParsedCertificate } from './crypto.types';
import { splitPemBlocks } from './pem';

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE']);
/** Deeper chains than this are not real PKIs; the bound keeps one upload's verification cost small. */
const MAX_CHAIN_LENGTH = 10;

/**
 * Parses a PEM chain, leaf first, and checks that each certificate is issued by the next one
 * (RFC 5280 6.1.3: issuer name equals the next subject, and the signature verifies with the
 * next public key). A self-signed last certificate must verify under its own key.
 */
export async function parseLinkedChain(pemText: string): Promise<ParsedCertificate[]> {
  const blocks = splitPemBlocks(pemText);
  if (blocks.length === 0) throw new InvalidInputError('certificate_chain contains no PEM certificate');
  if (blocks.length > MAX_CHAIN_LENGTH) {
    throw new InvalidInputError(
      `certificate_chain has ${blocks.length} certificates; at most ${MAX_CHAIN_LENGTH}`,
    );
  }
  const chain = blocks.map((block, index) => {
    if (!CERTIFICATE_LABELS.has(block.label)) {
      throw new InvalidInputError(
        `Block ${index + 1} of certificate_chain is "${block.label}", not a CERTIFICATE`,
      );
    }
    return parseCertificate(block.der);
  });
  for (let index = 0; index < chain.length; index++) {
    const child = chain[index];
    const issuer = chain[index + 1] ?? (child.issuerDer.equals(child.subjectDer) ? child : null);
    if (!issuer) break; // the top certificate's issuer was not included
    const position = `certificate ${index + 1}`;
    if (!child.issuerDer.equals(issuer.subjectDer)) {
      throw new InvalidInputError(
        `certificate_chain does not link: the issuer of ${position} is not the subject of certificate ${index + 2}`,
      );
    }
    if (!(await verifyCertificateSignature(child.der, issuer.publicKey))) {
      throw new InvalidInputError(
        issuer === child
          ? `The self-signature of ${position} does not verify`
          : `certificate_chain does not link: ${position} is not signed by certificate ${index + 2}`,
      );
    }
  }
  return chain;
}
