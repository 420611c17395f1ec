import { MAX_INT4 } from '../common/integer-limits';

/**
 * The public name of a CA: `{name-slug}-{id}`. The name slug: lowercase and trim; drop every
 * character other than letters, digits, `_`, whitespace and `-`; turn runs of whitespace and `_`
 * into `-`; collapse repeated `-`; trim `-` at both ends. One function for the URLs written into
 * certificates and for the routes that serve them.
 */
export function nameSlug(name: string): string {
  return name
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{N}_\s-]/gu, '')
    .replace(/[\s_]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function caSlug(name: string, id: number): string {
  const prefix = nameSlug(name);
  return prefix ? `${prefix}-${id}` : String(id);
}

/** Splits `{name-slug}-{id}` into its parts; null when the shape is wrong. */
export function parseCaSlug(slug: string): { namePart: string; id: number } | null {
  const match = /^(?:(.*)-)?(\d{1,10})$/.exec(slug);
  if (!match) return null;
  const id = Number(match[2]);
  return id >= 1 && id <= MAX_INT4 ? { namePart: match[1] ?? '', id } : null;
}

export interface CaPublicUrls {
  crlUrl: string;
  certificateUrl: string;
}

/**
 * The slug keeps any Unicode letter, but a URI in a certificate is an IA5String (RFC 5280 4.2.1.13,
 * 4.2.2.1), so the slug is percent-encoded as UTF-8 (RFC 3987 3.1); the routes receive it decoded.
 */
export function caPublicUrls(publicBaseUrl: string, name: string, id: number): CaPublicUrls {
  const slug = encodeURIComponent(caSlug(name, id));
  return { crlUrl: `${publicBaseUrl}/crl/${slug}`, certificateUrl: `${publicBaseUrl}/ca/${slug}.crt` };
}
