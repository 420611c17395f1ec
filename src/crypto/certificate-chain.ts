import { InvalidInputError } from '../common/errors';
import { parseCertificate, verifyCertificateSignature } from './certificate-parser';
import type { ParsedCertificate } from './crypto.types';
import { splitPemBlocks } from './pem';

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE']);
/** Deeper chains than this are not real PKIs; the bound keeps one upload's verification cost small. */
const MAX_CHAIN_LENGTH = 10;

/**
 * Parses a PEM chain, leaf first, and checks that each certificate is issued by the next one
 * (RFC 5280 6.1.3, 6.1.4 (k), (n)): the issuer name equals the next subject, the next is a CA
 * allowed to sign certificates, and the signature verifies with its key. The last certificate's
 * own signature is not checked: it is a trust anchor or its issuer was left out (RFC 5280 6.1.1 (d)).
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
  for (let index = 0; index + 1 < chain.length; index++) {
    const [child, issuer] = [chain[index], chain[index + 1]];
    const position = `certificate ${index + 1}`;
    const issuerPosition = `certificate ${index + 2}`;
    if (!child.issuerDer.equals(issuer.subjectDer)) {
      throw new InvalidInputError(
        `certificate_chain does not link: the issuer of ${position} is not the subject of ${issuerPosition}`,
      );
    }
    if (!issuer.isCa) {
      throw new InvalidInputError(
        `${capitalised(issuerPosition)} is not a CA certificate (basicConstraints)`,
      );
    }
    if (issuer.keyUsage && !issuer.keyUsage.includes('keyCertSign')) {
      throw new InvalidInputError(`${capitalised(issuerPosition)} may not sign certificates (keyUsage)`);
    }
    if (!(await verifyCertificateSignature(child.der, issuer.publicKey))) {
      throw new InvalidInputError(
        `certificate_chain does not link: ${position} is not signed by ${issuerPosition}`,
      );
    }
  }
  return chain;
}

/**
 * RFC 5280 6.1.4 (l), (m): how many more CA certificates may follow the first certificate of a
 * linked chain (null: no limit), given its own pathLenConstraint and those of its issuers.
 * Refuses a chain whose issuers do not allow the first certificate to issue at all.
 */
export function remainingPathLength(chain: readonly ParsedCertificate[]): number | null {
  let remaining = chain[0]?.pathLength ?? null;
  for (let index = 1; index < chain.length; index++) {
    const limit = chain[index].pathLength;
    if (limit === null) continue;
    // The CAs below this issuer, down to and including the first certificate; self-issued ones do not count.
    const following = chain.slice(0, index).filter((certificate) => !isSelfIssued(certificate)).length;
    const left = limit - following;
    if (left < 0) {
      throw new InvalidInputError(
        `Certificate ${index + 1} allows ${limit} CA certificate(s) below it (pathLenConstraint), ` +
          `so the first certificate could not issue anything that validates`,
      );
    }
    remaining = remaining === null ? left : Math.min(remaining, left);
  }
  return remaining;
}

function isSelfIssued(certificate: ParsedCertificate): boolean {
  return certificate.issuerDer.equals(certificate.subjectDer);
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
