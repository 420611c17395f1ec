import { randomBytes } from 'node:crypto';
import { openKek, sealKek, WrongPassphraseError } from './kek-envelope';

describe('KEK envelope', () => {
  const kek = randomBytes(32);
  const passphrase = 'a long backup passphrase';

  it('opens with the passphrase it was sealed with', async () => {
    const envelope = await sealKek(kek, passphrase);
    expect(envelope).toMatchObject({ kdf: 'scrypt', cipher: 'aes-256-gcm', n: 32768, r: 8, p: 1 });
    expect(JSON.stringify(envelope)).not.toContain(kek.toString('hex'));
    expect(JSON.stringify(envelope)).not.toContain(kek.toString('base64'));
    expect((await openKek(envelope, passphrase)).equals(kek)).toBe(true);
  });

  it('salts each envelope: the same KEK and passphrase never give the same text', async () => {
    const [first, second] = await Promise.all([sealKek(kek, passphrase), sealKek(kek, passphrase)]);
    expect(first.salt).not.toBe(second.salt);
    expect(first.ciphertext).not.toBe(second.ciphertext);
  });

  it('refuses a wrong passphrase', async () => {
    const envelope = await sealKek(kek, passphrase);
    await expect(openKek(envelope, 'another passphrase')).rejects.toThrow(WrongPassphraseError);
    await expect(openKek(envelope, 'another passphrase')).rejects.toThrow(
      'The passphrase (CA_BACKUP_PASSPHRASE) does not open the KEK sealed in this backup',
    );
  });

  it('refuses an altered envelope', async () => {
    const envelope = await sealKek(kek, passphrase);
    const ciphertext = Buffer.from(envelope.ciphertext, 'base64');
    ciphertext[0] ^= 1;
    await expect(
      openKek({ ...envelope, ciphertext: ciphertext.toString('base64') }, passphrase),
    ).rejects.toThrow(WrongPassphraseError);
  });

  it('refuses a short passphrase', async () => {
    await expect(sealKek(kek, 'short')).rejects.toThrow('at least 12 characters');
  });
});
