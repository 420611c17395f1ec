import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDataDirLock, DATA_DIR_LOCK_FILE, DataDirInUseError, liveLockHolder } from './data-dir-lock';

describe('data directory lock', () => {
  let dataDir: string;
  const lockPath = () => join(dataDir, DATA_DIR_LOCK_FILE);

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'data-dir-lock-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('writes the pid into a lock file only its owner may read, and removes it on release', () => {
    const lock = acquireDataDirLock(dataDir);
    expect(JSON.parse(readFileSync(lockPath(), 'utf8')).pid).toBe(process.pid);
    expect(statSync(lockPath()).mode & 0o777).toBe(0o600);
    expect(liveLockHolder(dataDir)?.pid).toBe(process.pid);
    lock.release();
    expect(existsSync(lockPath())).toBe(false);
    expect(liveLockHolder(dataDir)).toBeNull();
  });

  it('refuses a second opener while the lock is held, naming the holder and what to do', () => {
    const lock = acquireDataDirLock(dataDir);
    expect(() => acquireDataDirLock(dataDir)).toThrow(DataDirInUseError);
    expect(() => acquireDataDirLock(dataDir)).toThrow(
      new RegExp(`in use by process ${process.pid}.*Stop the service.*npm run cli -- backup`),
    );
    lock.release();
    acquireDataDirLock(dataDir).release();
  });

  it('refuses a lock held by another live process', () => {
    const livePid = process.ppid; // alive (it started us) and not this process
    writeFileSync(lockPath(), JSON.stringify({ pid: livePid, started_at: startTimeOf(livePid) }));
    expect(() => acquireDataDirLock(dataDir)).toThrow(`in use by process ${livePid}`);
    expect(liveLockHolder(dataDir)?.pid).toBe(livePid);
  });

  it('takes over a lock whose process is gone (a crash or kill -9)', () => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    writeFileSync(lockPath(), JSON.stringify({ pid: deadPid, started_at: new Date().toISOString() }));
    expect(liveLockHolder(dataDir)).toBeNull();
    const lock = acquireDataDirLock(dataDir);
    expect(JSON.parse(readFileSync(lockPath(), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock whose pid now belongs to another process (reused after a restart)', () => {
    writeFileSync(lockPath(), JSON.stringify({ pid: process.ppid, started_at: '2001-01-01T00:00:00.000Z' }));
    acquireDataDirLock(dataDir).release();
  });

  it('takes over a lock with this process id left by an earlier life (a container restarted as pid 1)', () => {
    writeFileSync(lockPath(), JSON.stringify({ pid: process.pid, started_at: '2001-01-01T00:00:00.000Z' }));
    acquireDataDirLock(dataDir).release();
  });

  it('takes over a damaged lock file', () => {
    writeFileSync(lockPath(), 'not json');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath(), old, old);
    acquireDataDirLock(dataDir).release();
  });
});

/** The start time /proc reports for a live process, as the lock records it. */
function startTimeOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const bootTime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
  return new Date(bootTime * 1000 + ticks * 10).toISOString();
}
