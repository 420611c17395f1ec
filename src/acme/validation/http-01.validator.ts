import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import { connectionError } from './connection-errors';
import { Deadline } from './deadline';
import { targetAddresses, type TargetAddress } from './target-addresses';
import type { ValidationOptions } from './validation-options';
import {
  invalid,
  VALID,
  type ValidationError,
  type ValidationIdentifier,
  type ValidationResult,
} from './validation-result';

const DEFAULT_MAX_REDIRECTS = 10;
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const USER_AGENT = 'private-ca-acme-validator';

type Fetched = { status: number; location: string | null; body: Buffer } | { error: ValidationError };

function effectivePort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** Keeps a quoted, bounded excerpt of what came back, so the detail shows it without flooding the problem. */
function excerpt(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/**
 * RFC 8555 §8.3 lets the validation follow redirects; like the public CAs, only to http on port 80 and
 * https on 443 (the ports a name's owner controls), and to ACME_HTTP01_PORT when that is another port.
 */
function redirectTarget(from: URL, location: string, options: ValidationOptions): URL | ValidationError {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    return { type: 'connection', detail: `${from.href} redirected to an invalid URL ${excerpt(location)}` };
  }
  const port = effectivePort(next);
  const allowed =
    (next.protocol === 'http:' && (port === 80 || port === options.http01Port)) ||
    (next.protocol === 'https:' && port === 443);
  if (!allowed) {
    return {
      type: 'connection',
      detail: `${from.href} redirected to ${next.href}: only http on port 80${
        options.http01Port === 80 ? '' : ` or ${options.http01Port}`
      } and https on port 443 are followed`,
    };
  }
  next.hash = '';
  return next;
}

function fetchFrom(
  url: URL,
  target: TargetAddress,
  maxBodyBytes: number,
  deadline: Deadline,
): Promise<Fetched> {
  const timedOut: Fetched = {
    error: { type: 'connection', detail: `Fetching ${url.href} ${deadline.describe()}` },
  };
  return deadline.settle<Fetched>(timedOut, (finish) => {
    const tooLarge: Fetched = {
      error: {
        type: 'incorrectResponse',
        detail: `The body at ${url.href} is larger than ${maxBodyBytes} bytes`,
      },
    };
    const isHttps = url.protocol === 'https:';
    const options: https.RequestOptions = {
      host: target.address,
      family: target.family,
      port: effectivePort(url),
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { host: url.host, 'user-agent': USER_AGENT, accept: '*/*', connection: 'close' },
      agent: false,
      // RFC 8555 §8.3 proves control of the name over plain HTTP; an https redirect target's
      // certificate is not what is being checked.
      ...(isHttps
        ? { rejectUnauthorized: false, servername: isIP(url.hostname) ? undefined : url.hostname }
        : {}),
    };
    const request = (isHttps ? https : http).request(options, (response) => {
      const status = response.statusCode ?? 0;
      if (status !== 200) {
        const location = response.headers.location;
        finish({ status, location: typeof location === 'string' ? location : null, body: Buffer.alloc(0) });
        return;
      }
      if (Number(response.headers['content-length']) > maxBodyBytes) return finish(tooLarge);
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes) return finish(tooLarge);
        chunks.push(chunk);
      });
      response.on('end', () => finish({ status, location: null, body: Buffer.concat(chunks) }));
      response.on('error', (error) => finish({ error: connectionError(`Reading ${url.href}`, error) }));
    });
    request.on('error', (error) =>
      finish({ error: connectionError(`Fetching ${url.href} from ${target.address}`, error) }),
    );
    request.end();
    return request;
  });
}

/** Resolves the URL's host once, refuses denied networks, then tries the checked addresses in turn. */
async function fetchUrl(url: URL, options: ValidationOptions, deadline: Deadline): Promise<Fetched> {
  const targets = await targetAddresses(url.hostname, options, deadline);
  if ('error' in targets) return targets;
  let fetched: Fetched = { error: { type: 'connection', detail: `No address to fetch ${url.href} from` } };
  for (const target of targets.addresses) {
    fetched = await fetchFrom(url, target, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, deadline);
    const isConnectionFailure = 'error' in fetched && fetched.error.type === 'connection';
    if (!isConnectionFailure || deadline.expired) break;
  }
  return fetched;
}

/**
 * RFC 8555 §8.3 (RFC 8738 §4 for IP identifiers): GET
 * http://{identifier}:{ACME_HTTP01_PORT}/.well-known/acme-challenge/{token} must answer 200 with the
 * key authorization; whitespace at the end of the body is ignored, as the RFC allows.
 */
export async function validateHttp01(
  identifier: ValidationIdentifier,
  token: string,
  keyAuthorization: string,
  options: ValidationOptions,
): Promise<ValidationResult> {
  const deadline = new Deadline(options.timeoutMs);
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const host = isIP(identifier.value) === 6 ? `[${identifier.value}]` : identifier.value;
  let url: URL;
  try {
    url = new URL(
      `http://${host}:${options.http01Port}/.well-known/acme-challenge/${encodeURIComponent(token)}`,
    );
  } catch {
    return invalid('rejectedIdentifier', `${excerpt(identifier.value)} cannot be put in a URL`);
  }
  const visited = new Set<string>();
  for (;;) {
    visited.add(url.href);
    const fetched = await fetchUrl(url, options, deadline);
    if ('error' in fetched) return { valid: false, error: fetched.error };
    if ([301, 302, 303, 307, 308].includes(fetched.status)) {
      if (!fetched.location) {
        return invalid(
          'incorrectResponse',
          `${url.href} answered ${fetched.status} without a Location header`,
        );
      }
      const next = redirectTarget(url, fetched.location, options);
      if (!(next instanceof URL)) return { valid: false, error: next };
      if (visited.has(next.href))
        return invalid('connection', `Redirect loop: ${url.href} leads back to ${next.href}`);
      if (visited.size > maxRedirects) {
        return invalid('connection', `More than ${maxRedirects} redirects, the last to ${next.href}`);
      }
      url = next;
      continue;
    }
    if (fetched.status !== 200) {
      return invalid(
        'unauthorized',
        `${url.href} answered HTTP ${fetched.status}, not 200 with the key authorization`,
      );
    }
    const body = fetched.body.toString('utf8').replace(/\s+$/, '');
    if (body !== keyAuthorization) {
      return invalid(
        'unauthorized',
        // What came back is not quoted: after a redirect it may be an internal server's page.
        `The body at ${url.href} is not the key authorization: expected ${excerpt(keyAuthorization)}, got ${fetched.body.length} other bytes`,
      );
    }
    return VALID;
  }
}
