import { randomFill } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

const TASKS = '/proc/self/task';

/**
 * Lowers the scheduling priority of this process's helper threads below the main thread's: libuv's
 * pool, where signatures, key generation and bcrypt run, and V8's background threads. On Linux a
 * nice value belongs to a thread (setpriority with a thread id), so signing then takes the cores
 * only while the event loops and the database do not need them, and reads stay prompt however many
 * signatures are in flight. Threads started later (the embedded database's worker) keep the normal
 * priority. Returns how many threads were changed; 0 where /proc or setpriority is unavailable.
 */
export async function lowerHelperThreadPriority(nice: number): Promise<number> {
  if (nice === 0) return 0;
  // libuv starts its whole pool on the first job, so the threads exist once one has run.
  await new Promise<void>((resolve) => randomFill(Buffer.alloc(1), () => resolve()));
  let threadIds: number[];
  try {
    threadIds = readdirSync(TASKS).map(Number);
  } catch {
    return 0;
  }
  let changed = 0;
  for (const threadId of threadIds) {
    if (threadId === process.pid) continue;
    try {
      setPriority(threadId, nice);
      changed++;
    } catch {
      // A thread that has ended meanwhile, or a platform without per-thread priorities.
    }
  }
  return changed;
}
