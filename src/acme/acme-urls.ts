import { caSlug, parseCaSlug } from '../ca/ca-slug';

/** What an ACME URL is built from: a profile's name and id. */
export interface AcmeProfileRef {
  id: number;
  name: string;
}

/** A profile's public ACME name: the CA slug rule (`{name-slug}-{id}`), so the id decides. */
export function profileSlug(profile: AcmeProfileRef): string {
  return caSlug(profile.name, profile.id);
}

/** The id a profile slug names, or null when its shape is wrong (the name part is checked by the caller). */
export function parseProfileSlug(slug: string): { namePart: string; id: number } | null {
  return parseCaSlug(slug);
}

export function acmeDirectoryUrl(publicBaseUrl: string, profile: AcmeProfileRef): string {
  return new AcmeUrls(publicBaseUrl, profile).directory;
}

/**
 * Every URL of a profile's ACME server, under PUBLIC_BASE_URL. A JWS's `url` header must equal the one
 * built here for the route it was posted to (RFC 8555 6.4), so routes and checks share these.
 */
export class AcmeUrls {
  readonly base: string;

  /** `slug`: the one a request came in by, when it differs from the profile's current one. */
  constructor(publicBaseUrl: string, profile: AcmeProfileRef, slug: string = profileSlug(profile)) {
    this.base = `${publicBaseUrl}/acme/${encodeURIComponent(slug)}`;
  }

  get directory(): string {
    return `${this.base}/directory`;
  }
  get newNonce(): string {
    return `${this.base}/new-nonce`;
  }
  get newAccount(): string {
    return `${this.base}/new-account`;
  }
  get newOrder(): string {
    return `${this.base}/new-order`;
  }
  get revokeCert(): string {
    return `${this.base}/revoke-cert`;
  }
  get keyChange(): string {
    return `${this.base}/key-change`;
  }
  get renewalInfo(): string {
    return `${this.base}/renewal-info`;
  }
  account(id: number): string {
    return `${this.base}/account/${id}`;
  }
  order(id: number): string {
    return `${this.base}/order/${id}`;
  }
  finalize(orderId: number): string {
    return `${this.base}/order/${orderId}/finalize`;
  }
  authorization(id: number): string {
    return `${this.base}/authz/${id}`;
  }
  challenge(id: number): string {
    return `${this.base}/chall/${id}`;
  }
  certificate(id: number): string {
    return `${this.base}/cert/${id}`;
  }
  /** The id at the end of one of this profile's `{kind}/{id}` URLs (a `kid` is an account URL). */
  idOf(kind: 'account' | 'order' | 'authz' | 'chall' | 'cert', url: string): number | null {
    const prefix = `${this.base}/${kind}/`;
    if (!url.startsWith(prefix)) return null;
    const rest = url.slice(prefix.length);
    return /^[1-9][0-9]{0,9}$/.test(rest) && Number(rest) <= 2_147_483_647 ? Number(rest) : null;
  }
}
