import { createHash } from 'node:crypto';
import { InvalidInputError } from '../common/errors';
import type { PemBlock } from './crypto.types';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBody(label: string, body: string): Buffer {
  if (body.includes(':')) {
    throw new InvalidInputError(`The ${label} PEM block has headers (encrypted PEM is not accepted)`);
  }
  const compact = body.replace(/\s+/g, '');
  if (compact.length === 0) throw new InvalidInputError(`The ${label} PEM block is empty`);
  if (compact.length % 4 !== 0 || !BASE64_BODY.test(compact)) {
    throw new InvalidInputError(`The ${label} PEM block does not contain valid base64`);
  }
  return Buffer.from(compact, 'base64');
}

/**
 * All PEM blocks of a text (for chain uploads), in order. Text outside blocks is ignored, as OpenSSL does;
 * a BEGIN without its matching END is an error.
 */
export function splitPemBlocks(text: string): PemBlock[] {
  if (typeof text !== 'string') throw new InvalidInputError('PEM text must be a string');
  const blocks: PemBlock[] = [];
  let consumed = 0;
  for (const match of text.matchAll(BLOCK)) {
    const [, beginLabel, body, endLabel] = match;
    if (beginLabel !== endLabel) {
      throw new InvalidInputError(`PEM block "BEGIN ${beginLabel}" is closed by "END ${endLabel}"`);
    }
    if (body.includes('-----BEGIN'))
      throw new InvalidInputError(`PEM block "${beginLabel}" is not terminated`);
    blocks.push({ label: beginLabel, der: decodeBody(beginLabel, body) });
    consumed = (match.index ?? 0) + match[0].length;
  }
  if (text.indexOf('-----BEGIN', consumed) !== -1) {
    throw new InvalidInputError('A PEM block is not terminated by its END line');
  }
  return blocks;
}

/** The DER of the single PEM block in `pem`, whose label must be one of `expectedLabels`. */
export function pemToDer(pem: string, expectedLabel: string | readonly string[]): Buffer {
  const labels = typeof expectedLabel === 'string' ? [expectedLabel] : expectedLabel;
  const blocks = splitPemBlocks(pem);
  const wanted = labels[0];
  if (blocks.length === 0) throw new InvalidInputError(`Expected a PEM "${wanted}" block, found no PEM data`);
  if (blocks.length > 1) {
    throw new InvalidInputError(`Expected one PEM "${wanted}" block, found ${blocks.length} blocks`);
  }
  const [block] = blocks;
  if (!labels.includes(block.label)) {
    throw new InvalidInputError(`Expected a PEM "${wanted}" block, found "${block.label}"`);
  }
  return block.der;
}

export function derToPem(der: Buffer, label: string): string {
  const base64 = der.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** SHA-256 of the DER, as 64 lowercase hex digits without separators. */
export function fingerprintSha256(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

export function looksLikePem(input: Buffer | string): boolean {
  const head = typeof input === 'string' ? input : input.subarray(0, 200).toString('latin1');
  return head.includes('-----BEGIN ');
}
