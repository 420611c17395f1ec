import type { Response as SuperagentResponse } from 'superagent';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A scratch directory for files handed to the openssl CLI. */
export class OpensslWorkspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'ca-e2e-'));

  write(name: string, content: string | Buffer): string {
    const path = join(this.dir, name);
    writeFileSync(path, content);
    return path;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Runs openssl; returns stdout+stderr and whether it exited 0. */
  run(args: string[]): { ok: boolean; output: string } {
    const result = spawnSync('openssl', args, { cwd: this.dir });
    return { ok: result.status === 0, output: `${result.stdout.toString()}${result.stderr.toString()}` };
  }

  /** A key and CSR made by `openssl req`. */
  csr(
    name: string,
    keyArgs: string[],
    subject: string,
    extensions: string[] = [],
  ): { csr: string; keyPath: string } {
    const keyPath = this.path(`${name}.key`);
    const csrPath = this.path(`${name}.csr`);
    const addext = extensions.flatMap((extension) => ['-addext', extension]);
    const result = this.run([
      'req',
      '-new',
      ...keyArgs,
      '-nodes',
      '-keyout',
      keyPath,
      '-subj',
      subject,
      ...addext,
      '-out',
      csrPath,
    ]);
    if (!result.ok) throw new Error(result.output);
    return { csr: readFileSync(csrPath, 'utf8'), keyPath };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A supertest parser that keeps a binary body (DER, PKCS#12) as a Buffer. */
export function binaryBody(
  response: SuperagentResponse,
  callback: (error: Error | null, body: Buffer) => void,
): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => callback(null, Buffer.concat(chunks)));
}
