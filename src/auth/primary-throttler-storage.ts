import { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRecord } from '../cluster/cluster-protocol';
import { primaryLink } from '../cluster/primary-link';

/** Cluster mode: the sign-in counters live in the primary, so the limit holds across workers. */
export class PrimaryThrottlerStorage implements ThrottlerStorage {
  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    return primaryLink.ask('throttle', { key, ttl, limit, blockDuration, throttlerName });
  }
}
