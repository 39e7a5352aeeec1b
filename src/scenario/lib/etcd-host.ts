/**
 * The etcd host as a scenario configures it: which file etcd takes its settings from (as its
 * systemd unit says, not as a guess from the OS) and whether etcdctl needs ETCDCTL_API=2 in
 * front of it on that host.
 */
import type { Host } from '../../host.ts';
import { parseUnitEnvironment } from '../../parsers/systemd-unit.ts';
import { type RawShell, raw } from '../../shell-quote.ts';
import { etcdConfigFile } from '../platform.ts';

/**
 * The file etcd reads its settings from, and whether that file must switch the v2 API on, as the
 * unit says (`systemctl cat etcd`): `preferred` where the unit reads it (the document's
 * /etc/etcd/etcd.conf on a Rocky host, and on labbench's host image, whose drop-in also serves
 * v2), else the OS family's file (also before etcd is installed).
 */
export async function etcdConfigOf(host: Host, preferred: string): Promise<{ file: string; enableV2: boolean }> {
  const unit = parseUnitEnvironment((await host.$({ nothrow: true, quiet: true })`systemctl cat etcd`).stdout);
  if (!unit.files.includes(preferred)) return { file: etcdConfigFile(host.os.family), enableV2: true };
  return { file: preferred, enableV2: unit.variables.ETCD_ENABLE_V2 !== 'true' };
}

/** `ETCDCTL_API=2 ` where the host's shells do not set it themselves (a local lab's hosts do). */
export async function etcdctlPrefix(host: Host): Promise<RawShell> {
  const set = (await host.$({ nothrow: true, quiet: true })`grep -qx ETCDCTL_API=2 /etc/environment`).ok;
  return raw(set ? '' : 'ETCDCTL_API=2 ');
}
