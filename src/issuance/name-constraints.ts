/** The name forms of a nameConstraints subtree list this service reads and writes (RFC 5280 4.2.1.10). */
export interface GeneralSubtrees {
  dns: readonly string[];
  /** CIDR text, v4 or v6 (the extension's address and mask). */
  ipRanges: readonly string[];
  emails: readonly string[];
  uris: readonly string[];
}

/** A CA certificate's nameConstraints extension. */
export interface NameConstraints {
  permitted: GeneralSubtrees;
  excluded: GeneralSubtrees;
}

/** The constraints of one CA of the chain, named for refusals. */
export interface ChainConstraints {
  caName: string;
  constraints: NameConstraints;
}
