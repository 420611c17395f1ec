import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpensslResult {
  status: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

/** A temp directory in which specs write files and cross-check them with the openssl CLI. */
export class OpensslWorkspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'crypto-spec-'));

  path(name: string): string {
    return join(this.dir, name);
  }

  write(name: string, content: Buffer | string): string {
    const path = this.path(name);
    writeFileSync(path, content);
    return path;
  }

  run(args: string[], input?: string): OpensslResult {
    const result = spawnSync('openssl', args, { cwd: this.dir, encoding: 'utf8', input });
    return {
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      output: `${result.stdout}${result.stderr}`,
    };
  }

  /** Runs openssl and throws with its output unless it exits 0. */
  ok(args: string[], input?: string): string {
    const result = this.run(args, input);
    if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${result.output}`);
    return result.stdout;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
