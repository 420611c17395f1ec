import { applyDecorators, Header } from '@nestjs/common';

/**
 * For every route whose response may carry a private key or a token: no cache (browser, proxy,
 * CDN) may keep a copy (RFC 9111 §5.2.2.5 no-store; Pragma for HTTP/1.0 caches, RFC 9111 §5.4;
 * for token responses RFC 6749 §5.1 requires both).
 */
export const SecretResponse = () =>
  applyDecorators(Header('Cache-Control', 'no-store'), Header('Pragma', 'no-cache'));
