/**
 * Changing and restoring a host's Docker engine configuration the way the chapters do
 * (daemon.json + `systemctl restart docker`), so that a scenario leaves the engine exactly as
 * it found it — including docker0's address, which Docker keeps after `bip` is removed again.
 */
import { LabbenchError } from '../../errors.ts';
import type { Host } from '../../host.ts';
import { editDaemonJson, rememberDaemonJson, restartDocker, restoreDaemonJson } from './host-steps.ts';
import { interfaceNamed, parseIpInterfaces } from './parse-ip.ts';

/** docker0's IPv4 address with its prefix length (e.g. 172.17.0.1/16), or undefined when it has none. */
export async function docker0Address(host: Host): Promise<string | undefined> {
  const out = await host.$({ nothrow: true })`ip a show docker0`;
  return interfaceNamed(parseIpInterfaces(out.stdout), 'docker0')?.inet[0];
}

/** Where docker0's address from before the first daemon.json change is kept (next to daemon.json's own backup), so a kept lab can still be restored by a later run. */
const DOCKER0_BACKUP = '/etc/docker/docker0.labbench-orig';

/** Records docker0's address before a scenario first changes daemon.json (for restoreEngine). */
export async function rememberEngine(host: Host): Promise<void> {
  const address = await docker0Address(host);
  if (address) await host.$`test -e ${DOCKER0_BACKUP} || echo ${address} > ${DOCKER0_BACKUP}`;
}

/** Records daemon.json and docker0 as they are, so that restoreEngine undoes whatever is changed by hand afterwards. */
export async function rememberWholeEngine(host: Host): Promise<void> {
  await rememberEngine(host);
  await rememberDaemonJson(host);
}

/** Sets daemon.json keys (keeping the others) after remembering how the engine was. */
export async function configureEngine(host: Host, changes: Record<string, unknown>): Promise<void> {
  await rememberEngine(host);
  await editDaemonJson(host, changes);
}

/**
 * Puts daemon.json back and restarts the engine if it changed. Docker re-uses docker0's
 * current address when daemon.json names none (and keeps it in its network store even when
 * docker0 is deleted), so when docker0 does not return to its old address by itself, the old
 * address is set as `bip` once and then removed again.
 */
export async function restoreEngine(host: Host): Promise<void> {
  if (await restoreDaemonJson(host)) await restartDocker(host);
  const before = (await host.$`if test -e ${DOCKER0_BACKUP}; then cat ${DOCKER0_BACKUP}; fi`).text();
  if (!before) return;
  if ((await docker0Address(host)) === before) {
    await host.$`rm -f ${DOCKER0_BACKUP}`;
    return;
  }
  await editDaemonJson(host, { bip: before });
  await restartDocker(host);
  await restoreDaemonJson(host);
  await restartDocker(host);
  const now = await docker0Address(host);
  if (now !== before) {
    throw new LabbenchError(`${host.name}: docker0 is ${now ?? 'without an address'}, not ${before} as before the scenario`, {
      hint: `set "bip": "${before}" in /etc/docker/daemon.json on ${host.name}, restart docker, then remove it again`,
    });
  }
  await host.$`rm -f ${DOCKER0_BACKUP}`;
}
