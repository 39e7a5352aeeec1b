/** Installing a Debian package on the machine itself, for what labbench needs and may install (root on Debian/Ubuntu). */
import { existsSync } from 'node:fs';
import { ProviderError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { runLocal } from './run.ts';

/** `apt-get install` of one package, as a progress step; a clear error where there is no apt. */
export async function installDebianPackage(progress: Progress, pkg: string, missing: { what: string; hint: string }): Promise<void> {
  if (!existsSync('/etc/debian_version')) throw new ProviderError(missing.what, { hint: missing.hint });
  await progress.step(`Installing Debian's ${pkg}`, async () => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await runLocal(['apt-get', 'update', '-qq'], { env, timeoutMs: 600_000 });
    await runLocal(['apt-get', 'install', '-y', '-qq', pkg], { env, timeoutMs: 900_000 });
  });
}
