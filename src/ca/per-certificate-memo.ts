/**
 * What is derived from a CA's certificate and the CAs above it, remembered per CA for as long as its
 * certificate (fingerprint) stays: a CA's ancestry, its chain and its constraints change only with its
 * certificate. A CA without a certificate yet is never remembered; a failed load is forgotten.
 */
export class PerCertificateMemo<T> {
  private readonly entries = new Map<number, { fingerprint: string; value: Promise<T> }>();

  get(ca: { id: number; fingerprintSha256: string | null }, load: () => Promise<T>): Promise<T> {
    const fingerprint = ca.fingerprintSha256;
    if (!fingerprint) return load();
    const remembered = this.entries.get(ca.id);
    if (remembered && remembered.fingerprint === fingerprint) return remembered.value;
    const value = load();
    this.entries.set(ca.id, { fingerprint, value });
    value.catch(() => this.entries.delete(ca.id));
    return value;
  }

  forget(caId: number): void {
    this.entries.delete(caId);
  }
}
