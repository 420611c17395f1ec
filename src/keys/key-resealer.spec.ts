import { KeySealer } from '../crypto/key-sealer';
import { Transaction, Transactions } from '../database/transactions';
import { KeyResealer } from './key-resealer';

/** A sealer that marks what it sealed, so the test sees which key went through which sealer. */
function taggingSealer(tag: string): KeySealer {
  return {
    seal: async (plain: Buffer) => `${tag}:${plain.toString('utf8')}`,
    unseal: async (sealed: string) => Buffer.from(sealed.slice(sealed.indexOf(':') + 1), 'utf8'),
  } as KeySealer;
}

function holder(rows: { id: number; sealed: string }[]) {
  const written = new Map<number, string>();
  const seen: Transaction[] = [];
  return {
    written,
    seen,
    sealedKeysForResealing: async (tx: Transaction) => {
      seen.push(tx);
      return rows;
    },
    replaceSealedKey: async (tx: Transaction, id: number, sealed: string) => {
      seen.push(tx);
      written.set(id, sealed);
    },
  };
}

describe('KeyResealer', () => {
  it('re-seals every CA and certificate key, and the keys of registered holders (EAB), with the new sealer, in one transaction', async () => {
    const tx = {} as Transaction;
    let runs = 0;
    const transactions = {
      run: async <T>(work: (tx: Transaction) => Promise<T>) => {
        runs += 1;
        return work(tx);
      },
    } as unknown as Transactions;
    const cas = holder([{ id: 1, sealed: 'old:ca-key' }]);
    const certificates = holder([
      { id: 7, sealed: 'old:cert-a' },
      { id: 9, sealed: 'old:cert-b' },
    ]);
    const eabKeys = holder([{ id: 2, sealed: 'old:hmac' }]);
    const resealer = new KeyResealer(transactions, taggingSealer('old'), cas as never, certificates as never);
    resealer.register(eabKeys);

    expect(await resealer.resealAll(taggingSealer('new'))).toBe(4);
    expect(runs).toBe(1);
    expect([...cas.written]).toEqual([[1, 'new:ca-key']]);
    expect([...certificates.written]).toEqual([
      [7, 'new:cert-a'],
      [9, 'new:cert-b'],
    ]);
    expect([...eabKeys.written]).toEqual([[2, 'new:hmac']]);
    expect([...cas.seen, ...certificates.seen, ...eabKeys.seen].every((seen) => seen === tx)).toBe(true);
  });
});
