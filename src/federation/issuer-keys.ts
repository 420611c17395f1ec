import { Injectable, Logger } from '@nestjs/common';
import { createLocalJWKSet, JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import { ServiceUnavailableError } from '../common/errors';
import { AppConfig } from '../config/app-config';

/** Discovery documents and key sets are small; anything larger is not one. */
const MAX_DOCUMENT_BYTES = 256 * 1024;

/** One issuer's verification keys as last fetched. */
interface CachedKeys {
  jwks: JSONWebKeySet;
  resolve: JWTVerifyGetKey;
  fetchedAt: number;
}

/** Why an issuer's keys could not be had: the 503 a token exchange answers. */
export class IssuerUnavailableError extends ServiceUnavailableError {
  constructor(issuer: string, reason: string) {
    super(`The OIDC issuer ${issuer} cannot be reached to verify the token: ${reason}; retry later`);
  }
}

/**
 * The verification keys of trusted OIDC issuers (OpenID Connect Discovery 1.0 §4: the discovery
 * document, then its jwks_uri), fetched with a timeout, cached for FEDERATION_JWKS_CACHE_SECONDS, and
 * fetched again when a token names a key id the cached set lacks (the issuer rotated its keys), at
 * most once per FEDERATION_JWKS_REFETCH_SECONDS per issuer so that tokens with made-up key ids cannot
 * make this service hammer the issuer. Concurrent fetches of one issuer share one request.
 * Per process: each worker of cluster mode keeps its own cache.
 */
@Injectable()
export class IssuerKeys {
  private readonly logger = new Logger(IssuerKeys.name);
  private readonly cache = new Map<string, CachedKeys>();
  private readonly inFlight = new Map<string, Promise<CachedKeys>>();

  constructor(private readonly config: AppConfig) {}

  /** The issuer's keys: cached while fresh, else fetched (503 when the issuer cannot be reached). */
  async keysOf(issuer: string): Promise<JWTVerifyGetKey> {
    const cached = this.cache.get(issuer);
    if (cached && Date.now() - cached.fetchedAt < this.config.federation.jwksCacheSeconds * 1000) {
      return cached.resolve;
    }
    return (await this.fetch(issuer)).resolve;
  }

  /**
   * After a token named a key the cached set lacks: the keys fetched again, or null when they were
   * fetched too recently to ask the issuer again (the key id is then unknown).
   */
  async refetchedKeysOf(issuer: string): Promise<JWTVerifyGetKey | null> {
    const cached = this.cache.get(issuer);
    if (cached && Date.now() - cached.fetchedAt < this.config.federation.jwksRefetchSeconds * 1000) {
      return null;
    }
    return (await this.fetch(issuer)).resolve;
  }

  private fetch(issuer: string): Promise<CachedKeys> {
    const running = this.inFlight.get(issuer);
    if (running) return running;
    const fetching = this.download(issuer).finally(() => this.inFlight.delete(issuer));
    this.inFlight.set(issuer, fetching);
    return fetching;
  }

  private async download(issuer: string): Promise<CachedKeys> {
    const discoveryUrl = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const discovery = await this.fetchJson(issuer, discoveryUrl, 'discovery document');
    // §4.3: the document must name the issuer it was fetched for, exactly.
    if (discovery.issuer !== issuer) {
      throw new IssuerUnavailableError(
        issuer,
        `its discovery document names the issuer ${JSON.stringify(discovery.issuer)}`,
      );
    }
    const jwksUri = discovery.jwks_uri;
    if (typeof jwksUri !== 'string' || !this.fetchable(jwksUri)) {
      throw new IssuerUnavailableError(
        issuer,
        `its discovery document has no usable jwks_uri (${JSON.stringify(jwksUri ?? null)})`,
      );
    }
    const jwks = await this.fetchJson(issuer, jwksUri, 'JWKS');
    if (!Array.isArray(jwks.keys)) {
      throw new IssuerUnavailableError(issuer, `its JWKS at ${jwksUri} has no "keys" list`);
    }
    const keySet = { keys: jwks.keys } as JSONWebKeySet;
    const fresh: CachedKeys = { jwks: keySet, resolve: createLocalJWKSet(keySet), fetchedAt: Date.now() };
    this.cache.set(issuer, fresh);
    this.logger.log(`fetched the JWKS of ${issuer}: ${keySet.keys.length} key(s)`);
    return fresh;
  }

  /** http(s), https only unless FEDERATION_ALLOW_HTTP_ISSUERS (development and tests). */
  private fetchable(url: string): boolean {
    try {
      const { protocol } = new URL(url);
      return protocol === 'https:' || (protocol === 'http:' && this.config.federation.allowHttpIssuers);
    } catch {
      return false;
    }
  }

  /** GET a JSON object: within the timeout, no redirects, at most MAX_DOCUMENT_BYTES. */
  private async fetchJson(issuer: string, url: string, what: string): Promise<Record<string, unknown>> {
    const timeoutMs = this.config.federation.fetchTimeoutMs;
    let text: string;
    try {
      const response = await fetch(url, {
        headers: { accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new IssuerUnavailableError(issuer, `its ${what} at ${url} answered HTTP ${response.status}`);
      }
      text = await boundedText(response, MAX_DOCUMENT_BYTES);
    } catch (error) {
      if (error instanceof IssuerUnavailableError) throw error;
      throw new IssuerUnavailableError(issuer, `fetching its ${what} at ${url} ${failure(error, timeoutMs)}`);
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        return parsed as Record<string, unknown>;
      }
    } catch {
      // answered below
    }
    throw new IssuerUnavailableError(issuer, `its ${what} at ${url} is not a JSON object`);
  }
}

/** How a fetch failed, in words: timed out, refused, too large, or the network error's own cause. */
function failure(error: unknown, timeoutMs: number): string {
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  if (error instanceof DocumentTooLargeError) return error.message;
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code === 'ECONNREFUSED') return 'failed: connection refused';
  return `failed: ${cause?.code ?? cause?.message ?? (error as Error | undefined)?.message ?? String(error)}`;
}

class DocumentTooLargeError extends Error {}

async function boundedText(response: Response, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new DocumentTooLargeError(`failed: the answer is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
