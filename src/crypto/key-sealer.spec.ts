import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { InvalidInputError } from '../common/errors';
import { LocalKeySealer } from './key-sealer';

describe('LocalKeySealer', () => {
  const kek = randomBytes(32);
  const sealer = new LocalKeySealer(kek);
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const plaintext = Buffer.from(pem);

  it('round-trips and never shows the plaintext', async () => {
    const sealed = await sealer.seal(plaintext);
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('PRIVATE KEY');
    expect((await sealer.unseal(sealed)).equals(plaintext)).toBe(true);
    expect(await sealer.seal(plaintext)).not.toBe(sealed);
  });

  it('detects tampering of any part', async () => {
    const sealed = await sealer.seal(plaintext);
    const parts = sealed.split('.');
    for (const index of [2, 3, 4]) {
      const bytes = Buffer.from(parts[index], 'base64url');
      bytes[0] ^= 1;
      const tampered = [...parts];
      tampered[index] = bytes.toString('base64url');
      await expect(sealer.unseal(tampered.join('.'))).rejects.toThrow(/authentication|truncated/);
    }
    await expect(sealer.unseal('garbage')).rejects.toThrow('v1 sealed format');
  });

  it('refuses to unseal with another KEK', async () => {
    const sealed = await sealer.seal(plaintext);
    await expect(new LocalKeySealer(randomBytes(32)).unseal(sealed)).rejects.toThrow(/sealed with KEK/);
    const sameId = new LocalKeySealer(randomBytes(32), sealer.kekId);
    await expect(sameId.unseal(sealed)).rejects.toThrow('wrong KEK or tampered data');
    const error: unknown = await sameId.unseal(sealed).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(InvalidInputError);
  });

  it('binds the KEK id as associated data', async () => {
    const a = new LocalKeySealer(kek, 'a');
    const b = new LocalKeySealer(kek, 'b');
    const sealed = (await a.seal(plaintext)).replace(/^v1\.a\./, 'v1.b.');
    await expect(b.unseal(sealed)).rejects.toThrow('failed authentication');
  });

  it('requires a 32-byte KEK', () => {
    expect(() => new LocalKeySealer(randomBytes(16))).toThrow('32 bytes');
  });
});
