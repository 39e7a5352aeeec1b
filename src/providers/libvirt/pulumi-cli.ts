/**
 * Finding the `pulumi` CLI, which the Automation API drives. The libvirt provider checks for it
 * before it touches anything, so a missing CLI is one clear message, not a half-built lab.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ProviderError } from '../../errors.ts';

/** How to install the CLI, shown whenever it is missing. */
export const PULUMI_INSTALL_HINT =
  'install the Pulumi CLI (https://www.pulumi.com/docs/install/), e.g. `curl -fsSL https://get.pulumi.com | sh`, then make sure ~/.pulumi/bin is on PATH';

/** The full path of an executable `program` on the given PATH value, or undefined. */
export function findOnPath(program: string, pathVariable: string): string | undefined {
  for (const dir of pathVariable.split(delimiter).filter((d) => d !== '')) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The path of the `pulumi` CLI; throws ProviderError (naming it, with the install hint) when it is not on PATH. */
export function requirePulumiCli(env: NodeJS.ProcessEnv): string {
  const found = findOnPath('pulumi', env['PATH'] ?? '');
  if (found === undefined) {
    throw new ProviderError('the libvirt provider needs the `pulumi` CLI, which is not on PATH (the Pulumi Automation API runs it)', {
      hint: PULUMI_INSTALL_HINT,
    });
  }
  return found;
}
