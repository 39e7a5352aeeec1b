/**
 * `pnpm vm-image`: builds (or finds) labbench's Debian 12 VM image offline from Debian packages
 * and prints the labbench:images["debian-12"] stack config entry that boots it (--json: the
 * built image's manifest, with exact package versions).
 */

import { stateRoot } from '../machine/state-root.ts';
import { consoleSink, createProgress } from '../progress.ts';
import { ensureVmImage } from '../providers/libvirt/vm-image/build.ts';
import { stackImageEntry } from '../providers/libvirt/vm-image/manifest.ts';
import { parseFlags } from './args.ts';

const USAGE = `usage: pnpm vm-image [--json]

Builds the Debian 12 VM image (kernel, initramfs and a qcow2 root file system) under
$LABBENCH_HOME/vm-images/<manifest hash>/ from Debian packages (needs root once; cached), and
prints the stack config that makes the libvirt lab use it for hosts with os debian-12.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const progress = createProgress(consoleSink());
  const built = await ensureVmImage(stateRoot(), progress);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(built, null, 2)}\n`);
    return 0;
  }
  const entry = stackImageEntry(built);
  const lines = Object.entries(entry).map(([k, v]) => `pulumi config set --path 'images["debian-12"].${k}' '${v}'`);
  process.stdout.write(
    [
      `# Debian 12 VM image ${built.hash} (kernel ${built.kernelRelease}, ${Object.keys(built.packageVersions).length} packages; versions in ${built.disk.path.replace(/[^/]+$/, 'manifest.json')})`,
      ...lines,
      '',
    ].join('\n'),
  );
  return 0;
}
