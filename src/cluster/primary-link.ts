import cluster from 'node:cluster';
import { CLUSTER_CHANNEL, isReplyMessage, PrimaryQueries, PrimaryQueryKind } from './cluster-protocol';

const REPLY_TIMEOUT_MS = 5000;

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** True in a worker of cluster mode (WORKERS > 1): a metrics scrape is then answered by the primary. */
export function isClusterWorker(): boolean {
  return cluster.isWorker && typeof process.send === 'function';
}

/** A worker's requests to the primary over the IPC channel, matched to replies by id. */
class PrimaryLink {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private listening = false;

  ask<K extends PrimaryQueryKind>(
    kind: K,
    args: PrimaryQueries[K]['args'],
  ): Promise<PrimaryQueries[K]['result']> {
    this.listen();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the primary process did not answer "${kind}" within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject, timer });
      process.send?.({ channel: CLUSTER_CHANNEL, id, kind, args }, undefined, undefined, (error) => {
        if (error) this.settle(id, () => reject(error));
      });
    });
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    process.on('message', (message: unknown) => {
      if (!isReplyMessage(message)) return;
      this.settle(message.id, (pending) =>
        message.ok ? pending.resolve(message.result) : pending.reject(new Error(message.error)),
      );
    });
  }

  private settle(id: number, finish: (pending: Pending) => void): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    finish(pending);
  }
}

export const primaryLink = new PrimaryLink();
