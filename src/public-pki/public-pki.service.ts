import { Injectable } from '@nestjs/common';
import { caSlug, parseCaSlug } from '../ca/ca-slug';
import { CaService } from '../ca/ca.service';
import type { CertificateAuthority } from '../ca/certificate-authority.entity';
import { CrlService, SignedCrl } from '../ca/crl.service';
import { NotFoundError } from '../common/errors';

export type PublicFormat = 'der' | 'pem';

export interface PublicFile {
  ca: CertificateAuthority;
  format: PublicFormat;
}

export interface PublicCrl {
  caId: number;
  crl: SignedCrl;
  format: PublicFormat;
}

/** `{name-slug}-{id}[.ext]` split into the slug, the CA id and the format its extension asks for. */
function parsePublicFile(
  file: string,
  extensions: Record<string, PublicFormat>,
): { slug: string; id: number; format: PublicFormat } {
  const match = /^(.*?)(\.[a-z]+)?$/.exec(file);
  const format = extensions[match?.[2] ?? ''];
  const parsed = match && format ? parseCaSlug(match[1]) : null;
  if (!match || !format || !parsed) throw new NotFoundError('No such CA');
  return { slug: match[1], id: parsed.id, format };
}

/** Upper bound of how long clients may cache a CRL, so revocations spread within minutes. */
const MAX_CRL_CACHE_SECONDS = 300;

/** Resolves `{name-slug}-{id}[.ext]` to a published CA: both parts must match, or it is a 404. */
@Injectable()
export class PublicPkiService {
  constructor(
    private readonly cas: CaService,
    private readonly crls: CrlService,
  ) {}

  async resolve(file: string, extensions: Record<string, PublicFormat>): Promise<PublicFile> {
    const { slug, id, format } = parsePublicFile(file, extensions);
    const ca = await this.cas.findById(id);
    if (!ca || !ca.certificatePem || caSlug(ca.name, ca.id) !== slug) throw new NotFoundError('No such CA');
    return { ca, format };
  }

  /** The CRL published at `file`; a fresh CRL is served without loading the CA row. */
  async crl(file: string, extensions: Record<string, PublicFormat>): Promise<PublicCrl> {
    const { slug, id, format } = parsePublicFile(file, extensions);
    const crl = await this.crls.published(id, (name) => caSlug(name, id) === slug);
    if (!crl) throw new NotFoundError('No such CA');
    return { caId: id, crl, format };
  }

  crlPem(crl: SignedCrl): string {
    return this.crls.pem(crl);
  }

  crlCacheSeconds(crl: SignedCrl, now = Date.now()): number {
    const untilNextUpdate = Math.floor((crl.nextUpdate.getTime() - now) / 1000);
    return Math.max(0, Math.min(MAX_CRL_CACHE_SECONDS, untilNextUpdate));
  }
}
