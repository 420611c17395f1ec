/** The identifiers of RFC 8555 7.1.4 (`dns`) and RFC 8738 (`ip`). */
export interface AcmeIdentifier {
  type: 'dns' | 'ip';
  value: string;
}

/** The error types of RFC 8555 6.7, and `alreadyReplaced` of ARI (RFC 9773 7.4). */
export type AcmeErrorType =
  | 'accountDoesNotExist'
  | 'alreadyReplaced'
  | 'alreadyRevoked'
  | 'badCSR'
  | 'badNonce'
  | 'badPublicKey'
  | 'badRevocationReason'
  | 'badSignatureAlgorithm'
  | 'caa'
  | 'compound'
  | 'connection'
  | 'dns'
  | 'externalAccountRequired'
  | 'incorrectResponse'
  | 'invalidContact'
  | 'malformed'
  | 'orderNotReady'
  | 'rateLimited'
  | 'rejectedIdentifier'
  | 'serverInternal'
  | 'tls'
  | 'unauthorized'
  | 'unsupportedContact'
  | 'unsupportedIdentifier'
  | 'userActionRequired';

export const ACME_ERROR_NAMESPACE = 'urn:ietf:params:acme:error:';

/** A problem about one identifier of a request with several (RFC 8555 6.7.1). */
export interface AcmeSubproblem {
  type: AcmeErrorType;
  detail: string;
  identifier: AcmeIdentifier;
}

/** An RFC 7807 problem document as ACME writes it. */
export interface ProblemDocument {
  type: string;
  detail: string;
  status: number;
  identifier?: AcmeIdentifier;
  subproblems?: { type: string; detail: string; identifier: AcmeIdentifier }[];
  /** badSignatureAlgorithm: the algorithms the server accepts (RFC 8555 6.2). */
  algorithms?: string[];
}

const STATUS: Partial<Record<AcmeErrorType, number>> = {
  unauthorized: 403,
  orderNotReady: 403,
  userActionRequired: 403,
  rateLimited: 429,
  serverInternal: 500,
  alreadyReplaced: 409,
};

/** An ACME refusal: the exception filter answers it as application/problem+json. */
export class AcmeProblem extends Error {
  readonly status: number;

  constructor(
    readonly type: AcmeErrorType,
    detail: string,
    options: {
      status?: number;
      identifier?: AcmeIdentifier;
      subproblems?: AcmeSubproblem[];
      algorithms?: string[];
      /** A resource the refusal points to: keyChange's 409 names the account that has the key (RFC 8555 7.3.5). */
      location?: string;
      /** Links the client needs to act, e.g. the terms of service of userActionRequired (RFC 8555 7.3.3). */
      links?: { url: string; rel: string }[];
    } = {},
  ) {
    super(detail);
    this.status = options.status ?? STATUS[type] ?? 400;
    this.identifier = options.identifier;
    this.subproblems = options.subproblems;
    this.algorithms = options.algorithms;
    this.location = options.location;
    this.links = options.links ?? [];
  }

  readonly identifier?: AcmeIdentifier;
  readonly subproblems?: AcmeSubproblem[];
  readonly algorithms?: string[];
  readonly location?: string;
  readonly links: { url: string; rel: string }[];

  toDocument(): ProblemDocument {
    return problemDocument(this.type, this.message, this.status, {
      identifier: this.identifier,
      subproblems: this.subproblems,
      algorithms: this.algorithms,
    });
  }
}

export function problemDocument(
  type: AcmeErrorType,
  detail: string,
  status: number,
  extra: { identifier?: AcmeIdentifier; subproblems?: AcmeSubproblem[]; algorithms?: string[] } = {},
): ProblemDocument {
  return {
    type: ACME_ERROR_NAMESPACE + type,
    detail,
    status,
    ...(extra.identifier && { identifier: extra.identifier }),
    ...(extra.subproblems &&
      extra.subproblems.length > 0 && {
        subproblems: extra.subproblems.map((sub) => ({
          type: ACME_ERROR_NAMESPACE + sub.type,
          detail: sub.detail,
          identifier: sub.identifier,
        })),
      }),
    ...(extra.algorithms && { algorithms: extra.algorithms }),
  };
}

/** 404 for an ACME resource that does not exist (or is another account's): RFC 8555 names no type for it. */
export function acmeNotFound(what: string): AcmeProblem {
  return new AcmeProblem('malformed', `${what} does not exist`, { status: 404 });
}
