import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const DATA_DIR_LOCK_FILE = 'pglite.lock';

/** What the lock file says about its holder. */
export interface LockHolder {
  pid: number;
  /** When the holder process started (ms since the epoch): tells a reused pid apart. */
  startedAt: number;
}

/** A second opener of an embedded data directory: the message says who holds it and what to do. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    /** Null when the lock file cannot be read (its holder is still writing it). */
    readonly holder: LockHolder | null,
  ) {
    super(
      `The data directory ${dataDir} is in use by ${holder ? `process ${holder.pid}` : 'another process'} (the embedded database belongs to one ` +
        'process). Stop the service first, or use the running service: its API, or `npm run cli -- backup` ' +
        'which goes through the API (CA_ADMIN_TOKEN).',
    );
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/** Locks held by this process, so a second opener inside it is refused too (its pid is alive: ours). */
const heldByThisProcess = new Set<string>();

/** Clock ticks per second of /proc/<pid>/stat on Linux (USER_HZ, 100 on every supported architecture). */
const USER_HZ = 100;
/** Start times read from /proc and from the lock agree to a tick; the wall clock may have moved a little. */
const START_TIME_TOLERANCE_MS = 2000;

/**
 * PGlite is a single-process database: a second process opening the same files writes into a copy the
 * first never sees (issue 14, defect 3). The service and the CLI take this lock before opening DATA_DIR:
 * a file created with O_EXCL holding the pid and start time. A lock whose holder is gone (crash, kill -9,
 * a container restarted with the same pid) is taken over.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const path = join(dataDir, DATA_DIR_LOCK_FILE);
  const me: LockHolder = {
    pid: process.pid,
    startedAt: processStartTime(process.pid) ?? startTimeOfThisProcess(),
  };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (tryCreate(path, me)) {
      heldByThisProcess.add(path);
      return { path, release: () => releaseLock(path, me) };
    }
    const holder = readHolder(path);
    if (holder && (heldByThisProcess.has(path) || isAlive(holder)))
      throw new DataDirInUseError(dataDir, holder);
    takeOverStale(path, holder);
  }
  throw new DataDirInUseError(dataDir, readHolder(path));
}

/** The holder of the lock if one is alive, else null: how the CLI tells whether the service runs. */
export function liveLockHolder(dataDir: string): LockHolder | null {
  const path = join(dataDir, DATA_DIR_LOCK_FILE);
  const holder = readHolder(path);
  if (!holder) return null;
  return heldByThisProcess.has(path) || isAlive(holder) ? holder : null;
}

/**
 * Fails early with the plain message when another live process holds the lock, before a framework
 * wraps the same error from deep inside start-up. The lock itself is taken when the database opens.
 */
export function assertDataDirFree(dataDir: string): void {
  const holder = liveLockHolder(dataDir);
  if (holder) throw new DataDirInUseError(dataDir, holder);
}

function tryCreate(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(
      fd,
      JSON.stringify({ pid: holder.pid, started_at: new Date(holder.startedAt).toISOString() }) + '\n',
    );
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a stale lock only if it is still the one judged stale: two processes taking over at once must
 * not delete each other's fresh lock (the loser then finds the winner's lock alive).
 */
function takeOverStale(path: string, judged: LockHolder | null): void {
  const current = readHolder(path);
  const sameFile =
    current === null
      ? judged === null
      : judged !== null && current.pid === judged.pid && current.startedAt === judged.startedAt;
  if (!sameFile) return;
  if (current === null && isYoung(path)) return; // being written by its creator right now
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function releaseLock(path: string, me: LockHolder): void {
  if (!heldByThisProcess.delete(path)) return;
  const holder = readHolder(path);
  if (holder?.pid !== me.pid || holder.startedAt !== me.startedAt) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing left to release.
  }
}

/** The holder named in the file, or null when it is missing or unreadable (half written, damaged). */
function readHolder(path: string): LockHolder | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as { pid?: unknown; started_at?: unknown };
    const startedAt = typeof parsed.started_at === 'string' ? Date.parse(parsed.started_at) : NaN;
    if (
      typeof parsed.pid !== 'number' ||
      !Number.isInteger(parsed.pid) ||
      parsed.pid <= 0 ||
      Number.isNaN(startedAt)
    ) {
      return null;
    }
    return { pid: parsed.pid, startedAt };
  } catch {
    return null;
  }
}

function isYoung(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < 5000;
  } catch {
    return false;
  }
}

/** The process exists and, where /proc tells, is the one that wrote the lock (not a reused pid). */
function isAlive(holder: LockHolder): boolean {
  if (holder.pid === process.pid) return false; // ours from an earlier life: this process holds no such lock
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const startedAt = processStartTime(holder.pid);
  return startedAt === null || Math.abs(startedAt - holder.startedAt) <= START_TIME_TOLERANCE_MS;
}

/** Linux: boot time (/proc/stat btime) plus the process's start in ticks (/proc/<pid>/stat field 22). */
function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const bootTime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!bootTime || !Number.isFinite(ticks)) return null;
    return Number(bootTime[1]) * 1000 + Math.round((ticks * 1000) / USER_HZ);
  } catch {
    return null;
  }
}

function startTimeOfThisProcess(): number {
  return Math.round(Date.now() - process.uptime() * 1000);
}
