import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './commands';

export const LEAF_NAME = 'bench.example.com';

/** One RSA-2048 CSR (made with the openssl CLI, as a client would) for every signing request. */
export async function makeRsaCsr(dir: string): Promise<string> {
  const csrFile = join(dir, 'leaf.csr');
  await run('openssl', [
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    join(dir, 'leaf.key'),
    '-subj',
    `/CN=${LEAF_NAME}`,
    '-out',
    csrFile,
  ]);
  return readFileSync(csrFile, 'utf8');
}

/** `{name-slug}-{id}` from the certificate's CA-issuers URL (…/ca/{slug}.crt). */
export function issuerSlugOf(certificatePem: string): string {
  const access = new X509Certificate(certificatePem).infoAccess ?? '';
  const match = /\/ca\/([^/\s]+)\.crt/.exec(access);
  if (!match) throw new Error(`no CA-issuers URL in the certificate (${access})`);
  return decodeURIComponent(match[1]);
}

/** Number of entries in a DER CRL, counted by the openssl CLI. */
export async function crlEntryCount(crlFile: string): Promise<number> {
  const { stdout } = await run('openssl', ['crl', '-inform', 'DER', '-in', crlFile, '-noout', '-text']);
  return (stdout.match(/Serial Number:/g) ?? []).length;
}
