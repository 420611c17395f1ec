/** One time budget for a whole validation: every step asks how much is left and stops at zero. */
export class Deadline {
  private readonly endsAt: number;

  constructor(readonly timeoutMs: number) {
    this.endsAt = Date.now() + timeoutMs;
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - Date.now());
  }

  get expired(): boolean {
    return this.remainingMs() === 0;
  }

  describe(): string {
    return `timed out after ${this.timeoutMs / 1000} s`;
  }

  /** Settles with `onTimeout()` when the budget runs out before `work` does; `work` is not awaited further. */
  race<T>(work: Promise<T>, onTimeout: () => T): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<T>((resolve) => {
      timer = setTimeout(() => resolve(onTimeout()), this.remainingMs());
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Runs a connection that reports through `finish`: the first outcome wins, the connection is
   * destroyed then, and `onTimeout` is the outcome when the budget runs out first.
   */
  settle<T>(onTimeout: T, start: (finish: (outcome: T) => void) => { destroy(): void }): Promise<T> {
    return new Promise((resolve) => {
      let connection: { destroy(): void } | null = null;
      let isSettled = false;
      const finish = (outcome: T): void => {
        if (isSettled) return;
        isSettled = true;
        clearTimeout(timer);
        connection?.destroy();
        resolve(outcome);
      };
      const timer = setTimeout(() => finish(onTimeout), this.remainingMs());
      connection = start(finish);
      if (isSettled) connection.destroy();
    });
  }
}
