import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * The process and its children: in cluster mode (WORKERS > 1) the service is a primary and its
 * workers, and every figure is charged to all of them. A process gone in between counts as 0.
 */
function processTree(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return [pid, ...(children ? children.split(' ').map(Number) : [])];
  } catch {
    return [pid];
  }
}

function sumOverTree(pid: number, measure: (one: number) => number): number {
  return processTree(pid).reduce((total, one) => {
    try {
      return total + measure(one);
    } catch {
      return total;
    }
  }, 0);
}

/**
 * From `/proc/<task>/stat`: the command name, user plus system CPU seconds (fields 14 and 15), and
 * those of its children that exited and were waited for (fields 16 and 17).
 */
function processCpu(task: number | string): { command: string; seconds: number; reapedSeconds: number } {
  const stat = readFileSync(`/proc/${task}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after it start past the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND,
    reapedSeconds: (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND,
  };
}

/** CPU seconds used so far by a process and its children. */
export function cpuSeconds(pid: number): number {
  return sumOverTree(pid, (one) => processCpu(one).seconds);
}

/**
 * CPU seconds of the local PostgreSQL server: every process named `postgres`, plus what its exited
 * backends used (the postmaster's reaped children), since a client that closes its connections
 * (cfssl keeps only 2 idle) has its backends come and go within one window.
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const { command, seconds, reapedSeconds } = processCpu(Number(entry));
      if (command === 'postgres') total += seconds + reapedSeconds;
    } catch {
      // gone in between
    }
  }
  return total;
}

/** VmRSS or VmHWM in kB, summed over the process and its children (peaks: the sum of each one's). */
function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  return sumOverTree(pid, (one) => {
    const status = readFileSync(`/proc/${one}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : 0;
  });
}

export function rssMb(pid: number): number {
  return statusKb(pid, 'VmRSS') / 1024;
}

export function peakRssMb(pid: number): number {
  return statusKb(pid, 'VmHWM') / 1024;
}

/** Resets VmHWM (Linux >= 4.0, "5" to clear_refs); false when not permitted, then sampling stands in. */
function resetPeak(pid: number): boolean {
  try {
    for (const one of processTree(pid)) writeFileSync(`/proc/${one}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface ResourceUsage {
  /** Average CPU use over the window, in cores (1.0 = one core busy all the time). */
  cpuCores: number;
  peakRssMb: number;
  /** The local PostgreSQL server's CPU over the same window, in cores. */
  postgresCores: number;
}

/** CPU and peak RSS of a process and its children over a window. */
export class ResourceMonitor {
  private readonly startedAt = performance.now();
  private readonly startCpu: number;
  private readonly startPostgresCpu = postgresCpuSeconds();
  private readonly peakWasReset: boolean;
  private sampledPeakMb: number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.startCpu = cpuSeconds(pid);
    this.peakWasReset = resetPeak(pid);
    this.sampledPeakMb = rssMb(pid);
    this.timer = setInterval(() => {
      this.sampledPeakMb = Math.max(this.sampledPeakMb, rssMb(this.pid));
    }, 100);
  }

  stop(): ResourceUsage {
    clearInterval(this.timer);
    const seconds = (performance.now() - this.startedAt) / 1000;
    const cpu = cpuSeconds(this.pid) - this.startCpu;
    const sampled = Math.max(this.sampledPeakMb, rssMb(this.pid));
    const postgresCpu = postgresCpuSeconds() - this.startPostgresCpu;
    return {
      cpuCores: seconds > 0 ? cpu / seconds : 0,
      peakRssMb: this.peakWasReset ? Math.max(sampled, peakRssMb(this.pid)) : sampled,
      postgresCores: seconds > 0 ? postgresCpu / seconds : 0,
    };
  }
}

/** CPU seconds of one thread of a process (the main JS thread has tid = pid). */
export function threadCpuSeconds(pid: number, tid: number): number {
  return processCpu(`${pid}/task/${tid}`).seconds;
}

/**
 * Waits until a process is quiet (under 5 % of a core over 250 ms, at most 10 s): requests still in
 * flight when a load run ends must not be charged to the next measurement.
 */
export async function settle(pid: number): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const before = cpuSeconds(pid);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 250));
    if (cpuSeconds(pid) - before < 0.0125) return;
  }
}
