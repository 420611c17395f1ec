import type { CertificateTemplate } from '../crypto/crypto.types';
import type { ApprovedIssuance } from './issuance-template';

/** What only signing adds to an approved template: the serial, the key and the issuer's URLs. */
export interface SigningDetails {
  serialNumber: Buffer;
  subjectPublicKeyDer: Buffer;
  crlDistributionUrl: string | null;
  caIssuersUrl: string | null;
}

/** The builder's input for an approved issuance: the builder encodes it and checks nothing of policy. */
export function certificateTemplateOf(
  approved: ApprovedIssuance,
  signing: SigningDetails,
): CertificateTemplate {
  return {
    serialNumber: signing.serialNumber,
    subject: approved.subject,
    subjectPublicKeyDer: signing.subjectPublicKeyDer,
    subjectKeySpec: approved.keySpec,
    notBefore: approved.validity.notBefore,
    notAfter: approved.validity.notAfter,
    certificateType: approved.certificateType,
    pathLength: approved.pathLength,
    san: approved.san,
    crlDistributionUrl: signing.crlDistributionUrl,
    caIssuersUrl: signing.caIssuersUrl,
  };
}
