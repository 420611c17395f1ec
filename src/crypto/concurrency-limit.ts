/**
 * At most `limit` tasks at once; the rest wait in arrival order. Signatures run on libuv's pool
 * (four threads by default): on a small machine, four RSA signatures at once take every core and
 * starve the event loop, so reads wait behind them. One core left to the loop keeps them prompt.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error('The concurrency limit must be at least 1');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
