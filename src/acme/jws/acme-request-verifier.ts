import { Injectable } from '@nestjs/common';
import type { JWK } from 'jose';
import { AcmeAccount, accountNotValid } from '../accounts/acme-account';
import { AcmeAccountRepository } from '../accounts/acme-account.repository';
import { AcmeServer } from '../acme-profiles';
import { AcmeProblem } from '../acme-problem';
import { AcmeNonces } from '../nonces/acme-nonces';
import {
  AcmeProtectedHeader,
  FlattenedJws,
  jwkThumbprint,
  parseFlattenedJws,
  parseProtectedHeader,
  publicKeyOf,
  publicMembers,
  verifiedPayload,
} from './acme-jws';

/** A request whose JWS verified, its nonce consumed and its `url` the one of the route. */
export interface VerifiedAcmeRequest extends AcmeServer {
  header: AcmeProtectedHeader;
  /** The JWS as sent: keyChange's and EAB's inner JWS are checked against it. */
  jws: FlattenedJws;
  /** null: POST-as-GET (empty payload). */
  payload: unknown;
  /** The key that verified the signature (the account's for `kid`), public members only. */
  jwk: JWK;
  jwkThumbprint: string;
}

/** A request signed by an account (`kid`) that exists and is valid. */
export interface AccountRequest extends VerifiedAcmeRequest {
  account: AcmeAccount;
}

/**
 * RFC 8555 6.2–6.5 for every POST: a flattened JWS with an accepted algorithm, `url` equal to the
 * route's URL under PUBLIC_BASE_URL, `jwk` (newAccount, revokeCert by the certificate's key) or `kid`
 * (everything else), a valid signature, and a fresh nonce.
 */
@Injectable()
export class AcmeRequestVerifier {
  constructor(
    private readonly nonces: AcmeNonces,
    private readonly accounts: AcmeAccountRepository,
  ) {}

  /** A request that must carry `jwk` (newAccount). */
  async withJwk(server: AcmeServer, url: string, body: unknown): Promise<VerifiedAcmeRequest> {
    const { jws, header } = this.parsed(url, body);
    if (!header.jwk) {
      throw new AcmeProblem(
        'malformed',
        'This request must be signed with "jwk" (the new account key), not "kid"',
      );
    }
    return this.verified(server, jws, header, header.jwk);
  }

  /** A request that must carry `kid` (every request of an account). */
  async withAccount(server: AcmeServer, url: string, body: unknown): Promise<AccountRequest> {
    const { jws, header } = this.parsed(url, body);
    if (!header.kid) {
      throw new AcmeProblem(
        'malformed',
        'This request must be signed by an account ("kid": the account URL), not "jwk"',
      );
    }
    const account = await this.account(server, header.kid);
    const request = await this.verified(server, jws, header, account.jwk);
    return { ...request, account: valid(account) };
  }

  /** revokeCert: either, the caller then decides who may revoke (RFC 8555 7.6). */
  async withEither(
    server: AcmeServer,
    url: string,
    body: unknown,
  ): Promise<VerifiedAcmeRequest & { account: AcmeAccount | null }> {
    const { jws, header } = this.parsed(url, body);
    if (header.jwk) return { ...(await this.verified(server, jws, header, header.jwk)), account: null };
    const account = await this.account(server, header.kid ?? '');
    return { ...(await this.verified(server, jws, header, account.jwk)), account: valid(account) };
  }

  private parsed(url: string, body: unknown): { jws: FlattenedJws; header: AcmeProtectedHeader } {
    const jws = parseFlattenedJws(body);
    const header = parseProtectedHeader(jws);
    if (header.url !== url) {
      throw new AcmeProblem(
        'unauthorized',
        `The JWS "url" ${JSON.stringify(header.url)} is not the URL this request was sent to (${url}) (RFC 8555 6.4)`,
      );
    }
    return { jws, header };
  }

  private async account(server: AcmeServer, kid: string): Promise<AcmeAccount> {
    const id = server.urls.idOf('account', kid);
    const account = id === null ? null : await this.accounts.findById(id);
    if (!account || account.profileId !== server.profile.id) {
      throw new AcmeProblem('accountDoesNotExist', `No account ${JSON.stringify(kid)} at this ACME server`);
    }
    return account;
  }

  private async verified(
    server: AcmeServer,
    jws: FlattenedJws,
    header: AcmeProtectedHeader,
    jwk: JWK,
  ): Promise<VerifiedAcmeRequest> {
    const key = publicKeyOf(jwk, header.alg);
    const payload = await verifiedPayload(jws, key, header.alg);
    await this.nonces.consume(header.nonce);
    const publicJwk = publicMembers(jwk);
    return { ...server, header, jws, payload, jwk: publicJwk, jwkThumbprint: await jwkThumbprint(publicJwk) };
  }
}

/** Checked once the signature verified: an unsigned request learns nothing of an account's state. */
function valid(account: AcmeAccount): AcmeAccount {
  if (account.status !== 'valid') throw accountNotValid(account);
  return account;
}
