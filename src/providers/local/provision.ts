/**
 * Provisioning a local lab's hosts once its record says "creating": the lab's keys (client key
 * and one host key per host, pinned in known_hosts before any host starts), the LAN (an internal
 * Docker network: no route out), each host's volume, container and keys, and the wait for each
 * host's systemd, a degraded boot retried once with its journal kept.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../machine/state-file.ts';
import { mapBounded } from '../../pool.ts';
import type { Progress } from '../../progress.ts';
import { gatewayOf, type HostSpec, type TestbedSpec } from '../../testbed/testbed.ts';
import { formatKnownHosts, type PinnedKey, parsePublicKeyLine } from '../../transports/known-hosts.ts';
import { generateEd25519 } from '../../transports/ssh-keys.ts';
import { type DockerEngine, docker, LABEL } from './docker-cli.ts';
import { BootError, bridgeName, containerName, createHostContainer, createHostVolume, type KeyPair, putHostKeys, waitForBoot } from './host-container.ts';
import { allowLanForwarding } from './lan-forwarding.ts';
import type { LabPaths, StatePaths } from './paths.ts';

export interface LabToProvision {
  engine: DockerEngine;
  paths: StatePaths;
  spec: TestbedSpec;
  /** The host image's tag. */
  image: string;
  /** The LAN's Docker network name. */
  network: string;
  /** The host containers' privilege flags (capabilities.ts). */
  flags: string[];
}

/** Creates the lab's keys, LAN and hosts, and waits until every host's systemd has booted. */
export async function provisionHosts(lab: LabToProvision, progress: Progress): Promise<void> {
  const { engine, spec, network } = lab;
  const keys = writeLabKeys(lab.paths.lab(spec.name), spec);
  await progress.step(`Creating the LAN ${network} (${spec.subnet}, internal: no route out)`, () =>
    docker(engine, [
      'network',
      'create',
      '--internal',
      '--subnet',
      spec.subnet,
      '--gateway',
      gatewayOf(spec.subnet),
      '--opt',
      `com.docker.network.bridge.name=${bridgeName(spec.name)}`,
      '--label',
      `${LABEL.lab}=${spec.name}`,
      network,
    ]),
  );
  await allowLanForwarding(bridgeName(spec.name), spec.name);
  // Side by side: each host is a few docker calls that mostly wait on the engine.
  await progress.step(`Starting ${describeHosts(spec.hosts)}`, () =>
    mapBounded(spec.hosts, (host) => createHost(lab, host, keys.hostKeys.get(host.name)!, keys.authorizedKey)),
  );
  await progress.step(`Waiting for systemd on ${spec.hosts.map((h) => h.name).join(', ')}`, () =>
    Promise.all(spec.hosts.map((h) => bootWithOneRetry(engine, lab.paths, spec.name, h, progress))),
  );
}

/** The lab's client key and one host key per host, pinned in known_hosts before any host starts. */
function writeLabKeys(lab: LabPaths, spec: TestbedSpec): { authorizedKey: string; hostKeys: Map<string, KeyPair> } {
  mkdirSync(lab.dir, { recursive: true, mode: 0o700 });
  const client = generateEd25519(`labbench-${spec.name}`);
  writeFileAtomic(lab.privateKey, client.privateKey, { mode: 0o600 });
  writeFileAtomic(lab.publicKey, `${client.publicKey}\n`, { mode: 0o644 });
  const hostKeys = new Map<string, KeyPair>();
  const pinned: PinnedKey[] = [];
  for (const h of spec.hosts) {
    const pair = generateEd25519(`root@${h.name}`);
    hostKeys.set(h.name, pair);
    pinned.push({ hosts: [h.address], ...parsePublicKeyLine(pair.publicKey) });
  }
  writeFileAtomic(lab.knownHosts, formatKnownHosts(pinned), { mode: 0o644 });
  return { authorizedKey: client.publicKey, hostKeys };
}

async function createHost(lab: LabToProvision, host: HostSpec, hostKey: KeyPair, authorizedKey: string): Promise<void> {
  const { engine, spec } = lab;
  const volume = `${containerName(spec.name, host.name)}-docker`;
  await createHostVolume(engine, spec.name, host.name, volume);
  const name = await createHostContainer(engine, spec.name, host, { image: lab.image, volume, network: lab.network, flags: lab.flags });
  // Keys go in before sshd's first start, so the pinned host key is the only one it ever has.
  await putHostKeys(engine, name, hostKey, authorizedKey);
  await docker(engine, ['start', name]);
}

/**
 * Waits for a host's systemd; a boot that ends degraded is retried once (the container is
 * restarted: same files, keys and address), with one line saying so and where the failed
 * boot's journal was kept, so that a transient failure under load does not fail the command.
 */
export async function bootWithOneRetry(engine: DockerEngine, paths: StatePaths, lab: string, host: HostSpec, progress: Progress): Promise<void> {
  try {
    await waitForBoot(engine, lab, host);
  } catch (err) {
    if (!(err instanceof BootError)) throw err;
    const journal = await keepBootJournal(engine, paths, lab, host.name);
    progress.note(`${host.name} did not finish booting (${err.summary})${journal ? `; its journal is kept in ${journal}` : ''}: restarting it once`);
    await docker(engine, ['restart', '--time', '5', containerName(lab, host.name)]);
    await waitForBoot(engine, lab, host);
  }
}

/** The journal of a host's boot that failed, under $LABBENCH_HOME/logs/ (kept after `lab down`). */
async function keepBootJournal(engine: DockerEngine, paths: StatePaths, lab: string, host: string): Promise<string | undefined> {
  // With the host key as sshd finds it: "sshd: no hostkeys available" is what such boots showed (a malformed key, ssh-keys.ts).
  const script =
    'systemctl --failed --no-pager; echo; ls -la /etc/ssh; ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key 2>&1; echo; journalctl -b --no-pager -o short-monotonic';
  const r = await docker(engine, ['exec', containerName(lab, host), 'sh', '-c', script], { nothrow: true, timeoutMs: 30_000 });
  if (!r.stdout.trim()) return undefined;
  const file = join(paths.logs, `boot-${lab}-${host}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  try {
    writeFileAtomic(file, r.stdout, { dirMode: 0o700 });
    return file;
  } catch {
    return undefined;
  }
}

/** "hostA (192.168.100.12, rocky-8.10, etcd+flannel), hostB (…)"; past four hosts, the names and the address range. */
export function describeHosts(hosts: readonly HostSpec[]): string {
  if (hosts.length <= 4) return hosts.map((h) => `${h.name} (${h.address}, ${h.os}, ${h.roles.join('+') || 'no roles'})`).join(', ');
  return `${hosts.length} hosts: ${hosts.map((h) => h.name).join(', ')} (${hosts[0]!.address} … ${hosts.at(-1)!.address})`;
}
