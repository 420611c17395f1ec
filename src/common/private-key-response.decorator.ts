import { applyDecorators, Header } from '@nestjs/common';

/**
 * For every route whose response may carry a private key: no cache (browser, proxy, CDN) may keep a
 * copy (RFC 9111 §5.2.2.5 no-store; Pragma for HTTP/1.0 caches, RFC 9111 §5.4).
 */
export const PrivateKeyResponse = () =>
  applyDecorators(Header('Cache-Control', 'no-store'), Header('Pragma', 'no-cache'));
