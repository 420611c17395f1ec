import { run } from '../lib/commands';

export type SpeedAlgorithm = 'rsa4096' | 'rsa2048' | 'ecdsap256';

const LINE: Record<SpeedAlgorithm, RegExp> = {
  rsa4096: /^rsa\s+4096 bits\s+\S+\s+\S+\s+([\d.]+)/m,
  rsa2048: /^rsa\s+2048 bits\s+\S+\s+\S+\s+([\d.]+)/m,
  ecdsap256: /^\s*256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)/m,
};

/** Signatures per second from `openssl speed` with 1 or more processes (-multi). */
export async function opensslSignRate(
  algorithm: SpeedAlgorithm,
  processes: number,
  seconds: number,
): Promise<number> {
  const args = ['speed', '-seconds', String(Math.max(1, Math.round(seconds)))];
  if (processes > 1) args.push('-multi', String(processes));
  args.push(algorithm);
  const { stdout } = await run('openssl', args);
  const match = LINE[algorithm].exec(stdout);
  if (!match) throw new Error(`could not read the ${algorithm} sign rate from openssl speed:\n${stdout}`);
  return Number(match[1]);
}
