import { compare, hash } from 'bcrypt';
import { generateKeyPair, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);
const signAsync = promisify(sign);

export type NativeKeyType = 'rsa2048' | 'ecp256';

/** Runs `task` from `parallel` loops for `seconds`; returns completions per second. */
async function rate(parallel: number, seconds: number, task: () => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await task();
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: parallel }, loop));
  return done / ((performance.now() - started) / 1000);
}

/** Node's native key generation (libuv threadpool), the floor under any server-side-key issuance. */
export function nodeKeyGenerationRate(
  type: NativeKeyType,
  parallel: number,
  seconds: number,
): Promise<number> {
  return rate(parallel, seconds, () =>
    type === 'rsa2048'
      ? generateKeyPairAsync('rsa', { modulusLength: 2048 })
      : generateKeyPairAsync('ec', { namedCurve: 'P-256' }),
  );
}

export function signingKey(type: 'rsa4096' | 'ecp256'): KeyObject {
  return type === 'rsa4096'
    ? generateKeyPairSync('rsa', { modulusLength: 4096 }).privateKey
    : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

/** Node's native signature rate over a certificate-sized message, as the app signs. */
export function nodeSignRate(key: KeyObject, parallel: number, seconds: number): Promise<number> {
  const message = Buffer.alloc(1200, 7);
  return rate(parallel, seconds, () => signAsync('sha256', message, key));
}

/** bcrypt verifications per second at the given cost: the ceiling of POST /auth/token. */
export async function bcryptRate(cost: number, parallel: number, seconds: number): Promise<number> {
  const digest = await hash('bench-password', cost);
  return rate(parallel, seconds, () => compare('bench-password', digest));
}
