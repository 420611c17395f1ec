/** Renewal starts when two thirds of the lifetime are past, leaving a third to retry in. */
export function renewalTime(validity: { notBefore: Date; notAfter: Date }): Date {
  const lifetime = validity.notAfter.getTime() - validity.notBefore.getTime();
  return new Date(validity.notBefore.getTime() + (lifetime * 2) / 3);
}

export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a.map((name) => name.toLowerCase()));
  const right = new Set(b.map((name) => name.toLowerCase()));
  return left.size === right.size && [...left].every((name) => right.has(name));
}
