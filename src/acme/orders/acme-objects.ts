import type { AcmeUrls } from '../acme-urls';
import { AcmeAuthorization, AcmeChallenge, AcmeOrder } from './acme-order';

/** The order object (RFC 8555 7.1.3); notBefore/notAfter are never set (the profile decides the validity). */
export function orderObject(urls: AcmeUrls, order: AcmeOrder): Record<string, unknown> {
  return {
    status: order.status,
    expires: order.expiresAt.toISOString(),
    identifiers: order.identifiers,
    authorizations: order.authorizationIds.map((id) => urls.authorization(id)),
    finalize: urls.finalize(order.id),
    ...(order.status === 'valid' &&
      order.certificateId !== null && {
        certificate: urls.certificate(order.certificateId),
      }),
    ...(order.status === 'invalid' && order.error !== null && { error: order.error }),
  };
}

/** The authorization object (RFC 8555 7.1.4): `wildcard` only when true. */
export function authorizationObject(
  urls: AcmeUrls,
  authorization: AcmeAuthorization,
  challenges: readonly AcmeChallenge[],
): Record<string, unknown> {
  return {
    identifier: authorization.identifier,
    status: authorization.status,
    expires: authorization.expiresAt.toISOString(),
    challenges: challenges.map((challenge) => challengeObject(urls, challenge)),
    ...(authorization.wildcard && { wildcard: true }),
  };
}

/** The challenge object (RFC 8555 7.1.5, 8.3, 8.4; RFC 8737 3). */
export function challengeObject(urls: AcmeUrls, challenge: AcmeChallenge): Record<string, unknown> {
  return {
    type: challenge.type,
    url: urls.challenge(challenge.id),
    status: challenge.status,
    token: challenge.token,
    ...(challenge.validatedAt !== null && { validated: challenge.validatedAt.toISOString() }),
    ...(challenge.error !== null && { error: challenge.error }),
  };
}
