import { spawnSync } from 'node:child_process';

/**
 * Specs that need a tool outside Node and openssl (zlint, certbot, chromium, SoftHSM2) run only
 * where it is installed. Elsewhere they are reported as skipped, the reason in their name; with
 * REQUIRE_EXTERNAL_TOOLS=1 (set by .ci/run, which installs them) a missing tool fails instead.
 */
export interface ExternalTool {
  command: string;
  versionArgs: string[];
  installHint: string;
}

export const ZLINT: ExternalTool = {
  command: 'zlint',
  versionArgs: ['-version'],
  installHint: 'install it with `sudo bash scripts/install-zlint.sh`',
};

/** The README's shell recipes use jq and curl, as the pipelines they are written for do. */
export const JQ: ExternalTool = {
  command: 'jq',
  versionArgs: ['--version'],
  installHint: 'install it with `apt-get install -y jq`',
};

export const CURL: ExternalTool = {
  command: 'curl',
  versionArgs: ['--version'],
  installHint: 'install it with `apt-get install -y curl`',
};

export function missingToolReason(tool: ExternalTool): string | null {
  const probe = spawnSync(tool.command, tool.versionArgs, { stdio: 'ignore' });
  if (!probe.error && probe.status === 0) return null;
  return `${tool.command} is not installed: ${tool.installHint}`;
}

/** `it`, or `it.skip` with the reason in the test's name when a tool is absent and not required. */
export function itWithTool(
  ...tools: ExternalTool[]
): (name: string, body: jest.ProvidesCallback, timeout?: number) => void {
  const reason = tools.map(missingToolReason).find((missing) => missing !== null) ?? null;
  if (reason === null) return (name, body, timeout) => it(name, body, timeout);
  if (process.env.REQUIRE_EXTERNAL_TOOLS === '1') {
    return (name, _body, timeout) =>
      it(
        name,
        () => {
          throw new Error(`${reason} (REQUIRE_EXTERNAL_TOOLS=1 makes this a failure)`);
        },
        timeout,
      );
  }
  return (name) => it.skip(`${name} [skipped: ${reason}]`, () => undefined);
}
