/**
 * What an ACME handler answers; the controller writes it with the headers every ACME response has
 * (Replay-Nonce, Link rel="index", Cache-Control: no-store).
 */
export interface AcmeResponse {
  status: number;
  /** A JSON resource (object) or, with `contentType`, a text body (a PEM certificate chain). */
  body?: unknown;
  contentType?: string;
  location?: string;
  /** Further Link headers, e.g. `up` (an authorization's order… RFC 8555 7.5.1) or `alternate` chains. */
  links?: { url: string; rel: string }[];
  /** While an order or challenge is processing (RFC 8555 7.4, 8.2). */
  retryAfterSeconds?: number;
}
