import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Run in a child process (the priorities would otherwise stay on Jest's own threads): each thread's
 * nice value is field 19 of /proc/self/task/<tid>/stat.
 */
function threadNicesAfter(nice: number): { main: number; helpers: number[]; changed: number } {
  const script = `
    const { readdirSync, readFileSync } = require('node:fs');
    const { lowerHelperThreadPriority } = require(${JSON.stringify(join(__dirname, 'helper-thread-priority.ts'))});
    const niceOf = (tid) => {
      const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    lowerHelperThreadPriority(${nice}).then((changed) => {
      const tids = readdirSync('/proc/self/task').map(Number);
      const helpers = tids.filter((tid) => tid !== process.pid).map(niceOf);
      console.log(JSON.stringify({ main: niceOf(process.pid), helpers, changed }));
    });`;
  const output = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return JSON.parse(output) as { main: number; helpers: number[]; changed: number };
}

describe('lowerHelperThreadPriority', () => {
  it('gives every thread but the main one the nice value, libuv pool included', () => {
    const { main, helpers, changed } = threadNicesAfter(10);
    expect(main).toBe(0);
    // Node's own threads (V8 platform, signal handling) plus libuv's four pool threads.
    expect(helpers.length).toBeGreaterThanOrEqual(4 + 4);
    expect(helpers.every((value) => value === 10)).toBe(true);
    expect(changed).toBe(helpers.length);
  });

  it('changes nothing when the nice value is 0', () => {
    const { helpers, changed } = threadNicesAfter(0);
    expect(changed).toBe(0);
    expect(helpers.every((value) => value === 0)).toBe(true);
  });
});
