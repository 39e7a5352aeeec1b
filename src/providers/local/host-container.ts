/**
 * One host of a local lab as a system container: its Docker volume (the host's /var/lib/docker),
 * the container itself on the lab's LAN, the files put in before its first start (SSH keys), and
 * the wait for systemd to finish booting. `lab up` creates hosts from the host image; a snapshot
 * restore creates them from a snapshot's image and volume.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '../../errors.ts';
import type { HostSpec } from '../../testbed/testbed.ts';
import { type DockerEngine, docker, LABEL } from './docker-cli.ts';

const BOOT_TIMEOUT_S = 90;

export function containerName(lab: string, host: string): string {
  return `labbench-${lab}-${host}`;
}

/** The lab LAN's Linux bridge; names have at most 15 characters: "lb-" and a hash of the lab name. */
export function bridgeName(lab: string): string {
  return `lb-${createHash('sha256').update(lab).digest('hex').slice(0, 10)}`;
}

/** The labels that tie a host's container and volume to its lab (what `lab down` removes by). */
export function hostLabels(lab: string, host: string): string[] {
  return ['--label', `${LABEL.lab}=${lab}`, '--label', `${LABEL.host}=${host}`];
}

/** Creates the Docker volume that holds a host's /var/lib/docker. */
export async function createHostVolume(engine: DockerEngine, lab: string, host: string, volume: string): Promise<void> {
  await docker(engine, ['volume', 'create', ...hostLabels(lab, host), volume]);
}

export interface HostContainerOptions {
  image: string;
  volume: string;
  network: string;
  flags: string[];
}

/** Creates (does not start) a host's container; returns its name. */
export async function createHostContainer(engine: DockerEngine, lab: string, host: HostSpec, options: HostContainerOptions): Promise<string> {
  const name = containerName(lab, host.name);
  await docker(engine, [
    'create',
    '--name',
    name,
    '--hostname',
    host.name,
    '--network',
    options.network,
    '--ip',
    host.address,
    ...hostLabels(lab, host.name),
    '--label',
    `${LABEL.role}=${host.roles.join(',')}`,
    // The host's own engine keeps its images and containers on a real file system (no overlay on overlay).
    '-v',
    `${options.volume}:/var/lib/docker`,
    // systemd shuts down cleanly on SIGRTMIN+3 (docker import cannot record STOPSIGNAL).
    '--stop-signal',
    'SIGRTMIN+3',
    ...options.flags,
    options.image,
  ]);
  return name;
}

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

/** Puts the host's SSH host key and the lab's authorized key into a created host, before sshd first starts. */
export async function putHostKeys(engine: DockerEngine, container: string, hostKey: KeyPair, authorizedKey: string): Promise<void> {
  const stage = mkdtempSync(join(tmpdir(), 'labbench-keys-'));
  try {
    // docker cp also copies the directories' modes onto the host's, so they must be the usual ones.
    for (const [dir, mode] of [
      ['etc', 0o755],
      ['etc/ssh', 0o755],
      ['root', 0o700],
      ['root/.ssh', 0o700],
    ] as const) {
      mkdirSync(join(stage, dir));
      chmodSync(join(stage, dir), mode);
    }
    const put = (path: string, content: string, mode: number) => {
      writeFileSync(join(stage, path), content, { mode });
      chmodSync(join(stage, path), mode);
    };
    put('etc/ssh/ssh_host_ed25519_key', hostKey.privateKey, 0o600);
    put('etc/ssh/ssh_host_ed25519_key.pub', `${hostKey.publicKey}\n`, 0o644);
    put('root/.ssh/authorized_keys', `${authorizedKey}\n`, 0o600);
    await docker(engine, ['cp', `${stage}/.`, `${container}:/`]);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** A host whose systemd did not reach "running"; `summary` names the failed units. */
export class BootError extends ProviderError {
  constructor(
    message: string,
    readonly summary: string,
    options: { hint?: string },
  ) {
    super(message, options);
  }
}

/** Waits until systemd in the host says `running`; one clear error (a BootError) naming the failed units otherwise. */
export async function waitForBoot(engine: DockerEngine, lab: string, host: HostSpec): Promise<void> {
  const name = containerName(lab, host.name);
  const deadline = Date.now() + BOOT_TIMEOUT_S * 1000;
  let state = '';
  // Right after start systemd may not answer yet ("offline" or nothing): ask again until it settles.
  while (Date.now() < deadline) {
    const r = await docker(engine, ['exec', name, 'timeout', String(BOOT_TIMEOUT_S), 'systemctl', 'is-system-running', '--wait'], { nothrow: true });
    state = r.stdout.trim();
    if (state === 'running') return;
    if (state === 'degraded' || state === 'maintenance' || state === 'stopping') break;
    await sleep(200);
  }
  const failed = await docker(engine, ['exec', name, 'systemctl', '--failed', '--no-legend', '--plain'], { nothrow: true });
  const units = failed.stdout.trim()
    ? failed.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0])
        .join(', ')
    : '';
  throw new BootError(
    `${host.name} did not finish booting (systemd state: ${state || 'unknown'})`,
    units ? `failed units: ${units}` : `systemd state: ${state || 'unknown'}`,
    {
      hint: units
        ? `failed units: ${units}; inspect with \`pnpm lab exec ${host.name} -- journalctl -b\``
        : `inspect with \`docker -H ${engine.host} logs ${name}\``,
    },
  );
}
