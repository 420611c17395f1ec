/**
 * What a worker may ask the primary process: the Prometheus registry merged over every worker (a scrape
 * reaches one worker; it must see all of them). The primary holds no state of its own: the sign-in
 * rate-limit counters live in the database, shared with every other instance.
 */
export interface PrimaryQueries {
  metrics: { args: Record<string, never>; result: { contentType: string; text: string } };
}

export type PrimaryQueryKind = keyof PrimaryQueries;

export const CLUSTER_CHANNEL = 'private-ca:cluster';

export interface QueryMessage<K extends PrimaryQueryKind = PrimaryQueryKind> {
  channel: typeof CLUSTER_CHANNEL;
  id: number;
  kind: K;
  args: PrimaryQueries[K]['args'];
}

export type ReplyMessage =
  | { channel: typeof CLUSTER_CHANNEL; id: number; ok: true; result: unknown }
  | { channel: typeof CLUSTER_CHANNEL; id: number; ok: false; error: string };

export function isQueryMessage(message: unknown): message is QueryMessage {
  return isOnChannel(message) && 'kind' in message;
}

export function isReplyMessage(message: unknown): message is ReplyMessage {
  return isOnChannel(message) && 'ok' in message;
}

function isOnChannel(message: unknown): message is { channel: string; id: number } {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { channel?: unknown }).channel === CLUSTER_CHANNEL &&
    typeof (message as { id?: unknown }).id === 'number'
  );
}
