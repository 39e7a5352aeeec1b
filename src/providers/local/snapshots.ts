/**
 * Lab snapshots of the local provider.
 *
 * A snapshot is, per host, an image committed from the host's container (its whole file system:
 * /etc, /root, etcd's data in /var/lib/etcd, installed packages) and a tar of the host's Docker
 * volume (/var/lib/docker: its own engine's images, containers and volumes), plus a manifest
 * (snapshot.json) with what has to be started again. It lives with the lab:
 * `labs/<lab>/snapshots/<name>/` and the images `labbench/snapshot:<lab>.<name>.<host>`.
 *
 * Consistency: every host of the lab is frozen at once (`docker pause`: the cgroup freezer stops
 * every process of the host, its inner engine and containers included) while its file system is
 * committed and its volume copied, and thawed right after. The lab goes on running; what is
 * saved is one instant across all hosts, as after a power cut at that instant, with every
 * write that had been made (the page cache is read, not the disk).
 *
 * A restore replaces the hosts: new containers from the snapshot's images, new volumes filled
 * from its tars, the lab's own host keys and LAN addresses. They boot as after a reboot (/run
 * and /tmp empty) with flanneld held back by a systemd condition, then: the lab's services that
 * ran are started, etcd's expiring keys (flannel's leases) are put back with the time they had
 * left and moved to the lab's addresses, flanneld is let go (it finds its lease by its address
 * and writes subnet.env again), and the inner containers that were running are started again.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, ProviderError } from '../../errors.ts';
import type { Inventory } from '../../inventory.ts';
import { mapBounded } from '../../pool.ts';
import type { Progress } from '../../progress.ts';
import { type AddressChange, addressChanges, rewriteAddresses } from '../../snapshot/address-map.ts';
import { expiringKeys, flattenV2, PUT_V2_KEYS, planEtcdRestore, READ_V2_TREE } from '../../snapshot/etcd-keys.ts';
import { readSnapshotFile, writeSnapshotFile } from '../../snapshot/file.ts';
import {
  checkSnapshotName,
  parseManifest,
  SNAPSHOT_FORMAT,
  SNAPSHOT_FORMAT_VERSION,
  type SnapshotFile,
  type SnapshotHost,
  type SnapshotManifest,
  shapeMismatch,
} from '../../snapshot/manifest.ts';
import { type HostSpec, nameFlag, type TestbedSpec } from '../../testbed/testbed.ts';
import { formatKnownHosts, parsePublicKeyLine } from '../../transports/known-hosts.ts';
import { generateEd25519 } from '../../transports/ssh-keys.ts';
import type { LabCondition } from '../lab-state.ts';
import type { LabSnapshots, SnapshotSummary } from '../provider.ts';
import { capBndOf, hostContainerFlags, missingCapabilities } from './capabilities.ts';
import { type ContainerFile, putFiles, readContainerFile } from './container-files.ts';
import { type DockerEngine, docker, dockerLines, LABEL } from './docker-cli.ts';
import { findEngine } from './engine.ts';
import { bridgeName, containerName, createHostContainer, createHostVolume, type KeyPair, putHostKeys, waitForBoot } from './host-container.ts';
import { HOST_IMAGE_REPOSITORY } from './host-image/build.ts';
import { hashFile, loadImages, saveImages } from './image-archive.ts';
import type { LabRecord } from './lab-record.ts';
import { allowLanForwarding } from './lan-forwarding.ts';
import type { StatePaths } from './paths.ts';
import { tarVolume, untarVolume, volumeOf } from './volume-archive.ts';

export const SNAPSHOT_REPOSITORY = 'labbench/snapshot';
/** The image a restored host runs: its own tag, so a snapshot can be removed while its hosts run. */
export const LAB_HOST_REPOSITORY = 'labbench/lab-host';
const MANIFEST_FILE = 'snapshot.json';
/** The lab's services a snapshot records as running and starts again. */
const LAB_SERVICES = ['containerd', 'docker', 'etcd', 'flanneld'] as const;
const HOLD_DIR = '/etc/systemd/system/flanneld.service.d';
const HOLD_FILE = `${HOLD_DIR}/zz-labbench-snapshot-hold.conf`;
const HOLD = `# labbench: flanneld waits while a snapshot is restored, until etcd has flannel's leases back
# (so that each host gets its own subnet again). Removed as soon as they are.
[Unit]
ConditionPathExists=/run/labbench-snapshot-restored
`;
/** Files Docker writes into every container when it starts: a snapshot never carries them. */
const DOCKER_MANAGED = new Set(['/etc/hosts', '/etc/hostname', '/etc/resolv.conf']);
const LABBENCH_VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const VOLUME_TAR = (host: string) => `${host}.docker-volume.tar`;

/** What the snapshots need of the provider that owns the lab. */
export interface LocalLabAccess {
  existingRecord(name: string, command: string): LabRecord;
  answeringEngine(record: LabRecord): Promise<DockerEngine | undefined>;
  labEngine(record: LabRecord, progress: Progress): Promise<DockerEngine>;
  observe(record: LabRecord, engine: DockerEngine): Promise<LabCondition>;
  inventoryOf(record: LabRecord): Inventory;
}

export function snapshotTag(lab: string, name: string, host: string): string {
  return `${SNAPSHOT_REPOSITORY}:${lab}.${name}.${host}`;
}

function labHostTag(lab: string, host: string): string {
  return `${LAB_HOST_REPOSITORY}:${lab}.${host}`;
}

export class LocalSnapshots implements LabSnapshots {
  constructor(
    private readonly paths: StatePaths,
    private readonly labs: LocalLabAccess,
  ) {}

  async save(lab: string, name: string, progress: Progress, meta?: Record<string, unknown>): Promise<SnapshotManifest> {
    checkSnapshotName(name);
    const record = this.labs.existingRecord(lab, 'save');
    const dir = this.dir(lab, name);
    if (existsSync(dir)) {
      throw new ConfigError(`lab "${lab}" already has a snapshot "${name}"`, {
        hint: `pick another name, or remove it first: pnpm lab snapshot rm ${name}${nameFlag(lab)}`,
      });
    }
    const engine = await this.labs.answeringEngine(record);
    const state = engine ? (await this.labs.observe(record, engine)).state : 'engine down';
    if (!engine || state !== 'up') {
      throw new ConfigError(`lab "${lab}" is ${state}: a snapshot is saved from a running lab`, { hint: `start it first: pnpm lab start${nameFlag(lab)}` });
    }
    const hosts = record.spec.hosts;
    const names = hosts.map((h) => h.name).join(', ');
    const facts = await progress.step(`Reading what runs on ${names} (services, containers, etcd's expiring keys)`, () =>
      mapBounded(hosts, (h) => this.hostFacts(engine, record, h, progress)),
    );
    const partial = `${dir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true, mode: 0o700 });
    const containers = hosts.map((h) => containerName(lab, h.name));
    try {
      let saved: { image: SnapshotHost['image']; volume: SnapshotFile }[];
      try {
        await docker(engine, ['pause', ...containers]);
        saved = await progress.step(`Freezing ${names} together; committing their file systems and copying their Docker volumes`, () =>
          mapBounded(hosts, async (h) => {
            const container = containerName(lab, h.name);
            const tag = snapshotTag(lab, name, h.name);
            const [image, volume] = await Promise.all([
              docker(engine, ['commit', '--pause=false', container, tag]).then(() => imageOf(engine, tag)),
              volumeOf(engine, container).then((v) => tarVolume(engine, lab, v.volume, v.image, join(partial, VOLUME_TAR(h.name)), VOLUME_TAR(h.name))),
            ]);
            return { image, volume };
          }),
        );
      } finally {
        await docker(engine, ['unpause', ...containers], { nothrow: true });
      }
      const manifest: SnapshotManifest = {
        format: SNAPSHOT_FORMAT,
        formatVersion: SNAPSHOT_FORMAT_VERSION,
        id: randomUUID(),
        name,
        savedAt: new Date().toISOString(),
        labbenchVersion: LABBENCH_VERSION,
        provider: 'local',
        lab: record.spec,
        hostImage: await baseImageOf(engine, saved[0]!.image.diffIds),
        hosts: hosts.map((h, i) => ({ name: h.name, ...saved[i]!, ...facts[i]! })),
        ...(meta ? { meta } : {}),
      };
      writeFileSync(join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      renameSync(partial, dir);
      return manifest;
    } catch (err) {
      rmSync(partial, { recursive: true, force: true });
      for (const h of hosts) await docker(engine, ['rmi', snapshotTag(lab, name, h.name)], { nothrow: true });
      throw err;
    }
  }

  async restore(lab: string, name: string, progress: Progress): Promise<Inventory> {
    const record = this.labs.existingRecord(lab, 'restore');
    if (record.state === 'creating') {
      throw new ConfigError(`lab "${lab}" is partial: the up that created it was interrupted`, {
        hint: `\`pnpm lab up${nameFlag(lab)}\` creates it again; then restore the snapshot`,
      });
    }
    const manifest = this.manifest(lab, name);
    const mismatch = shapeMismatch(manifest.lab, record.spec);
    if (mismatch)
      throw new ConfigError(`snapshot "${name}" cannot be restored into lab "${lab}": ${mismatch}`, { hint: 'restore it into a lab of the same hosts' });
    const engine = await this.labs.labEngine(record, progress);
    const dir = this.dir(lab, name);
    await progress.step(`Checking snapshot "${name}" (images and Docker volumes)`, async () => {
      for (const h of manifest.hosts) {
        const tag = snapshotTag(lab, name, h.name);
        const found = await docker(engine, ['image', 'inspect', '-f', '{{.Id}}', tag], { nothrow: true });
        if (found.stdout.trim() !== h.image.id) {
          throw new ProviderError(`snapshot "${name}" of lab "${lab}" lost ${h.name}'s image ${tag}`, {
            hint: `remove it (pnpm lab snapshot rm ${name}${nameFlag(lab)}) and save or import it again`,
          });
        }
        await checkFile(join(dir, h.volume.path), h.volume, `snapshot "${name}" of lab "${lab}"`);
      }
    });
    const changes = addressChanges(manifest.lab, record.spec);
    if (changes.length > 0)
      progress.note(
        `the snapshot was saved on ${manifest.lab.subnet}; its hosts get this lab's addresses: ${changes.map((c) => `${c.host} ${c.from} → ${c.to}`).join(', ')}`,
      );

    const hosts = record.spec.hosts;
    const suffix = randomBytes(3).toString('hex');
    const volumes = new Map(hosts.map((h) => [h.name, `${containerName(lab, h.name)}-docker-${suffix}`]));
    // Everything that can fail on the snapshot's side happens before the lab's hosts are touched.
    await progress.step(`Filling new Docker volumes for ${hosts.map((h) => h.name).join(', ')} from the snapshot`, async () => {
      try {
        await mapBounded(manifest.hosts, async (h) => {
          const volume = volumes.get(h.name)!;
          await createHostVolume(engine, lab, h.name, volume);
          await untarVolume(engine, lab, volume, snapshotTag(lab, name, h.name), join(dir, h.volume.path));
        });
      } catch (err) {
        await docker(engine, ['volume', 'rm', '-f', ...volumes.values()], { nothrow: true });
        throw err;
      }
    });

    const keys = await this.hostKeys(engine, record);
    await progress.step(`Replacing ${hosts.map((h) => h.name).join(', ')} by the snapshot's hosts (same names, addresses and host keys)`, async () => {
      await this.removeHosts(engine, lab, new Set(volumes.values()));
      const { flags } = hostContainerFlags(missingCapabilities(capBndOf(readFileSync('/proc/self/status', 'utf8')) ?? 'ffffffffff'));
      await mapBounded(hosts, async (h) => {
        const snapshotHost = manifest.hosts.find((s) => s.name === h.name)!;
        await docker(engine, ['tag', snapshotTag(lab, name, h.name), labHostTag(lab, h.name)]);
        const container = await createHostContainer(engine, lab, h, {
          image: labHostTag(lab, h.name),
          volume: volumes.get(h.name)!,
          network: record.network,
          flags,
        });
        await putHostKeys(engine, container, keys.get(h.name)!, readFileSync(this.paths.lab(lab).publicKey, 'utf8').trim());
        const files = [
          { path: HOLD_FILE, content: Buffer.from(HOLD), mode: 0o644, uid: 0, gid: 0 },
          ...(await movedFiles(engine, container, snapshotHost.addressFiles, changes)),
        ];
        await putFiles(engine, container, files);
      });
      await docker(engine, ['start', ...hosts.map((h) => containerName(lab, h.name))]);
      await allowLanForwarding(bridgeName(lab), lab);
    });
    await progress.step(`Waiting for systemd on ${hosts.map((h) => h.name).join(', ')}`, () => Promise.all(hosts.map((h) => waitForBoot(engine, lab, h))));
    await progress.step("Starting what ran when the snapshot was saved (services; etcd's leases first, then flanneld; containers)", () =>
      this.bringBack(engine, record, manifest, changes),
    );
    return this.labs.inventoryOf(record);
  }

  async list(lab: string): Promise<SnapshotSummary[]> {
    const record = this.labs.existingRecord(lab, 'list the snapshots of');
    const root = this.paths.lab(lab).snapshots;
    if (!existsSync(root)) return [];
    const engine = await this.labs.answeringEngine(record);
    const names = readdirSync(root)
      .filter((n) => !n.endsWith('.partial'))
      .sort();
    return Promise.all(
      names.map(async (n): Promise<SnapshotSummary> => {
        const m = this.manifest(lab, n);
        let layers = 0;
        for (const h of m.hosts) {
          // Its own layer: the image's size beyond the image it was committed on (the host image for a loaded one).
          const own = engine ? await imageSize(engine, snapshotTag(lab, n, h.name)) : undefined;
          const under = engine && own ? await imageSize(engine, own.parent || m.hostImage.tag) : undefined;
          if (own) layers += own.size - (under?.size ?? 0);
        }
        return {
          name: n,
          savedAt: m.savedAt,
          fromLab: m.lab.name,
          hosts: m.hosts.map((h) => h.name),
          bytes: { layers, volumes: m.hosts.reduce((s, h) => s + h.volume.bytes, 0) },
        };
      }),
    );
  }

  manifest(lab: string, name: string): SnapshotManifest {
    checkSnapshotName(name);
    const file = join(this.dir(lab, name), MANIFEST_FILE);
    if (!existsSync(file)) {
      const root = this.paths.lab(lab).snapshots;
      const there = existsSync(root) ? readdirSync(root).filter((n) => !n.endsWith('.partial')) : [];
      throw new ConfigError(`lab "${lab}" has no snapshot "${name}"`, {
        hint:
          there.length > 0
            ? `its snapshots are ${there.join(', ')}`
            : `save one with pnpm lab snapshot save NAME${nameFlag(lab)}, or import a file with pnpm lab snapshot import FILE${nameFlag(lab)}`,
      });
    }
    return parseManifest(readFileSync(file, 'utf8'), `snapshot "${name}" of lab "${lab}" (${file})`, `remove it: pnpm lab snapshot rm ${name}${nameFlag(lab)}`);
  }

  async remove(lab: string, name: string, progress: Progress): Promise<void> {
    const record = this.labs.existingRecord(lab, 'remove a snapshot of');
    const dir = this.dir(lab, name);
    if (!existsSync(dir)) this.manifest(lab, name);
    const engine = await this.labs.answeringEngine(record);
    if (engine) {
      const tags = record.spec.hosts.map((h) => snapshotTag(lab, name, h.name));
      await progress.step(`Removing snapshot "${name}" (${tags.length} images, its Docker volumes)`, () => removeTags(engine, tags));
    } else progress.note("the engine that holds the lab does not run: the snapshot's images go with `lab down`");
    rmSync(dir, { recursive: true, force: true });
  }

  async exportFile(lab: string, name: string, file: string, progress: Progress, options: { withBase?: boolean } = {}): Promise<{ bytes: number }> {
    const record = this.labs.existingRecord(lab, 'export a snapshot of');
    const manifest = this.manifest(lab, name);
    if (existsSync(file)) throw new ConfigError(`${file} already exists`, { hint: 'give a new file name, or remove that file first' });
    const engine = await this.labs.labEngine(record, progress);
    const withBase = Boolean(options.withBase) || manifest.hostImage.diffIds.length === 0;
    const stage = this.stage('export-');
    try {
      const imageFiles = await progress.step(
        `Saving the hosts' images${withBase ? " (with the host image's layers)" : ' (only the layers the lab added)'}`,
        async () => {
          const files = await saveImages(
            engine,
            manifest.hosts.map((h) => snapshotTag(lab, name, h.name)),
            join(stage, 'images'),
            new Set(withBase ? [] : manifest.hostImage.diffIds),
          );
          return files.map((f) => ({ ...f, path: `images/${f.path}` }));
        },
      );
      const exported: SnapshotManifest = { ...manifest, images: { files: imageFiles, withBase } };
      const dir = this.dir(lab, name);
      return await progress.step(`Writing ${file} (gzip)`, () =>
        writeSnapshotFile(file, exported, (f) => (f.path.startsWith('images/') ? join(stage, f.path) : join(dir, f.path))),
      );
    } finally {
      rmSync(stage, { recursive: true, force: true });
    }
  }

  async importFile(
    lab: string,
    file: string,
    progress: Progress,
    options: { as?: string; reuse?: boolean } = {},
  ): Promise<{ manifest: SnapshotManifest; reused: boolean }> {
    const record = this.labs.existingRecord(lab, 'import a snapshot into');
    if (options.as !== undefined) checkSnapshotName(options.as);
    const engine = await this.labs.labEngine(record, progress);
    const stage = this.stage('import-');
    let name = options.as ?? '';
    let reused: SnapshotManifest | undefined;
    const tagged: string[] = [];
    try {
      const read = await progress.step(`Reading and checking ${file}`, async () => {
        try {
          return await readSnapshotFile(file, {
            into: stage,
            check: async (m) => {
              name = options.as ?? m.name;
              const mismatch = shapeMismatch(m.lab, record.spec);
              if (mismatch)
                throw new ConfigError(`file ${file} cannot be imported into lab "${lab}": ${mismatch}`, {
                  hint: `import it into a lab of the same hosts (e.g. pnpm lab up --name NAME${m.lab.hosts.length > 2 ? ` --hosts ${m.lab.hosts.length}` : ''})`,
                });
              if (existsSync(this.dir(lab, name))) {
                const there = this.manifest(lab, name);
                if (options.reuse && there.id === m.id) {
                  reused = there;
                  throw new ReuseSignal();
                }
                throw new ConfigError(`lab "${lab}" already has a snapshot "${name}"`, {
                  hint: `import it under another name: --as NAME, or remove that one: pnpm lab snapshot rm ${name}${nameFlag(lab)}`,
                });
              }
              if (!m.images!.withBase) await requireBaseLayers(engine, m, file);
            },
          });
        } catch (err) {
          if (err instanceof ReuseSignal) return undefined;
          throw err;
        }
      });
      if (!read) {
        progress.note(`lab "${lab}" already has this snapshot (saved ${reused!.savedAt}) as "${name}": using it`);
        return { manifest: reused!, reused: true };
      }
      await progress.step("Loading the hosts' images into the engine", async () => {
        await loadImages(engine, join(stage, 'images'));
        for (const h of read.hosts) {
          const tag = snapshotTag(lab, name, h.name);
          await docker(engine, ['tag', h.image.id, tag]);
          tagged.push(tag);
        }
      });
      const partial = `${this.dir(lab, name)}.partial`;
      rmSync(partial, { recursive: true, force: true });
      mkdirSync(partial, { recursive: true, mode: 0o700 });
      const { images: _images, ...kept } = read;
      const manifest: SnapshotManifest = { ...kept, name };
      for (const h of manifest.hosts) renameSync(join(stage, h.volume.path), join(partial, h.volume.path));
      writeFileSync(join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      renameSync(partial, this.dir(lab, name));
      return { manifest, reused: false };
    } catch (err) {
      await removeTags(engine, tagged);
      throw err;
    } finally {
      rmSync(stage, { recursive: true, force: true });
    }
  }

  async checkFile(file: string, target?: TestbedSpec): Promise<SnapshotManifest> {
    return readSnapshotFile(file, {
      check: async (m) => {
        const mismatch = target && shapeMismatch(m.lab, target);
        if (mismatch)
          throw new ConfigError(`file ${file} cannot be used for lab "${target.name}": ${mismatch}`, { hint: 'use it with a lab of the same hosts' });
        // Where an engine runs already, a file it cannot load is refused now, before any lab is brought up for it.
        const engine = m.images?.withBase ? undefined : await findEngine(this.paths);
        if (engine) await requireBaseLayers(engine, m, file);
      },
    });
  }

  private dir(lab: string, name: string): string {
    return join(this.paths.lab(lab).snapshots, name);
  }

  private stage(prefix: string): string {
    mkdirSync(this.paths.tmp, { recursive: true, mode: 0o700 });
    return mkdtempSync(join(this.paths.tmp, prefix));
  }

  /** What has to come back on a host besides its disk: services, running containers, etcd's expiring keys, files naming addresses. */
  private async hostFacts(
    engine: DockerEngine,
    record: LabRecord,
    host: HostSpec,
    progress: Progress,
  ): Promise<Omit<SnapshotHost, 'name' | 'image' | 'volume'>> {
    const container = containerName(record.name, host.name);
    const sh = (script: string) => docker(engine, ['exec', container, 'sh', '-c', script], { nothrow: true });
    const states = (await sh(`systemctl is-active ${LAB_SERVICES.join(' ')}`)).stdout.split('\n');
    const activeServices = LAB_SERVICES.filter((_, i) => states[i]?.trim() === 'active');
    const ps = activeServices.includes('docker') ? (await sh("docker ps --no-trunc --format '{{.ID}} {{.Names}}'")).stdout : '';
    const runningContainers = lines(ps).map((l) => ({ id: l.split(' ')[0]!, name: l.split(' ')[1] ?? '' }));
    const addresses = record.spec.hosts.map((h) => `-e ${h.address}`).join(' ');
    const addressFiles = lines((await sh(`grep -rlIwF ${addresses} /etc 2>/dev/null`)).stdout).filter((f) => !DOCKER_MANAGED.has(f));
    if (!activeServices.includes('etcd')) return { runningContainers, activeServices, addressFiles };
    const read = await docker(engine, ['exec', container, 'python3', '-c', READ_V2_TREE, 'http://127.0.0.1:2379', `http://${host.address}:2379`], {
      nothrow: true,
    });
    const answer = parseJson(read.stdout) as { tree?: unknown; error?: string } | undefined;
    if (!answer?.tree) {
      progress.note(
        `${host.name}: etcd's v2 API did not answer (${answer?.error ?? read.stderr.trim()}): its expiring keys are not recorded, a restore keeps them only while their TTL lasts`,
      );
      return { runningContainers, activeServices, addressFiles };
    }
    return { runningContainers, activeServices, addressFiles, etcd: expiringKeys(flattenV2(answer.tree)) };
  }

  /** Each host's SSH host key as the lab pinned it (read from its container), or a new one pinned in its place. */
  private async hostKeys(engine: DockerEngine, record: LabRecord): Promise<Map<string, KeyPair>> {
    const keys = new Map<string, KeyPair>();
    for (const h of record.spec.hosts) {
      const container = containerName(record.name, h.name);
      const privateKey = await readContainerFile(engine, container, '/etc/ssh/ssh_host_ed25519_key');
      const publicKey = await readContainerFile(engine, container, '/etc/ssh/ssh_host_ed25519_key.pub');
      keys.set(
        h.name,
        privateKey && publicKey
          ? { privateKey: privateKey.content.toString('utf8'), publicKey: publicKey.content.toString('utf8').trim() }
          : generateEd25519(`root@${h.name}`),
      );
    }
    const lab = this.paths.lab(record.name);
    writeFileSync(
      lab.knownHosts,
      formatKnownHosts(record.spec.hosts.map((h) => ({ hosts: [h.address], ...parsePublicKeyLine(keys.get(h.name)!.publicKey) }))),
      { mode: 0o644 },
    );
    return keys;
  }

  /** Removes the lab's host containers, their volumes (except `keep`), and the images only they ran. */
  private async removeHosts(engine: DockerEngine, lab: string, keep: ReadonlySet<string>): Promise<void> {
    const ids = await dockerLines(engine, ['ps', '-aq', '--filter', `label=${LABEL.lab}=${lab}`]);
    if (ids.length > 0) await docker(engine, ['rm', '-f', '-v', ...ids]);
    const vols = (await dockerLines(engine, ['volume', 'ls', '-q', '--filter', `label=${LABEL.lab}=${lab}`])).filter((v) => !keep.has(v));
    if (vols.length > 0) await docker(engine, ['volume', 'rm', '-f', ...vols]);
    await removeTags(engine, await labTags(engine, LAB_HOST_REPOSITORY, lab));
  }

  private async bringBack(engine: DockerEngine, record: LabRecord, manifest: SnapshotManifest, changes: readonly AddressChange[]): Promise<void> {
    const on = (h: SnapshotHost) => containerName(record.name, h.name);
    const address = (h: SnapshotHost) => record.spec.hosts.find((s) => s.name === h.name)!.address;
    const run = async (h: SnapshotHost, argv: string[], what: string, input?: string) => {
      const r = await docker(engine, ['exec', ...(input === undefined ? [] : ['-i']), on(h), ...argv], {
        nothrow: true,
        ...(input === undefined ? {} : { input }),
      });
      if (r.exitCode !== 0) {
        throw new ProviderError(`${h.name}: ${what} failed after the restore: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ')}`, {
          hint: `look on the host (pnpm lab shell ${h.name}${nameFlag(record.name)}), or restore again`,
        });
      }
      return r.stdout;
    };
    await mapBounded(manifest.hosts, async (h) => {
      const services = h.activeServices.filter((s) => s !== 'flanneld');
      if (services.length > 0) await run(h, ['systemctl', 'start', ...services], `systemctl start ${services.join(' ')}`);
    });
    for (const h of manifest.hosts.filter((x) => x.etcd !== undefined)) {
      const read = parseJson(await run(h, ['python3', '-c', READ_V2_TREE, 'http://127.0.0.1:2379', `http://${address(h)}:2379`], "reading etcd's keys")) as
        | { endpoint?: string; tree?: unknown; error?: string }
        | undefined;
      if (!read?.tree || !read.endpoint)
        throw new ProviderError(`${h.name}: etcd did not answer after the restore (${read?.error ?? 'no answer'})`, {
          hint: `see journalctl -u etcd on ${h.name}`,
        });
      const puts = planEtcdRestore(h.etcd!, flattenV2(read.tree), changes);
      if (puts.length > 0) await run(h, ['python3', '-c', PUT_V2_KEYS, read.endpoint], "putting etcd's leases back", JSON.stringify(puts));
    }
    await mapBounded(manifest.hosts, async (h) => {
      await run(h, ['sh', '-c', `rm -f ${HOLD_FILE}; rmdir ${HOLD_DIR} 2>/dev/null; systemctl daemon-reload`], 'letting flanneld go');
      if (h.activeServices.includes('flanneld')) await run(h, ['systemctl', 'start', 'flanneld'], 'systemctl start flanneld');
      if (h.runningContainers.length === 0) return;
      const running = new Set(lines(await run(h, ['docker', 'ps', '-q', '--no-trunc'], 'docker ps')));
      const stopped = h.runningContainers.filter((c) => !running.has(c.id));
      if (stopped.length > 0) await run(h, ['docker', 'start', ...stopped.map((c) => c.id)], `docker start ${stopped.map((c) => c.name).join(' ')}`);
    });
  }
}

/** Thrown inside a file check to stop reading: the lab already has that very snapshot. */
class ReuseSignal extends Error {}

/** Removes the images of the lab's snapshots and those its restored hosts ran (for `lab down`). */
export async function removeLabSnapshotImages(engine: DockerEngine, lab: string): Promise<number> {
  const tags = [...(await labTags(engine, SNAPSHOT_REPOSITORY, lab)), ...(await labTags(engine, LAB_HOST_REPOSITORY, lab))];
  await removeTags(engine, tags);
  return tags.length;
}

async function labTags(engine: DockerEngine, repository: string, lab: string): Promise<string[]> {
  const tags = await dockerLines(engine, ['images', repository, '--format', '{{.Tag}}']);
  return tags.filter((t) => t.startsWith(`${lab}.`)).map((t) => `${repository}:${t}`);
}

/** Untags; an image goes with its last tag (never by force: a host still running it keeps it). */
async function removeTags(engine: DockerEngine, tags: readonly string[]): Promise<void> {
  for (const tag of tags) await docker(engine, ['rmi', tag], { nothrow: true });
}

async function imageOf(engine: DockerEngine, tag: string): Promise<SnapshotHost['image']> {
  const [id = '', layers = '[]'] = (await docker(engine, ['image', 'inspect', '-f', '{{.Id}} {{json .RootFS.Layers}}', tag])).stdout.trim().split(' ');
  return { id, diffIds: JSON.parse(layers) as string[] };
}

async function imageSize(engine: DockerEngine, image: string): Promise<{ size: number; parent: string } | undefined> {
  if (!image) return undefined;
  const r = await docker(engine, ['image', 'inspect', '-f', '{{.Size}} {{.Parent}}', image], { nothrow: true });
  if (r.exitCode !== 0) return undefined;
  const [size = '0', parent = ''] = r.stdout.trim().split(' ');
  return { size: Number(size), parent };
}

/** Each image's tag and layers (one docker call for all of them). */
async function layersOf(engine: DockerEngine, tags: readonly string[]): Promise<{ tag: string; diffIds: string[] }[]> {
  if (tags.length === 0) return [];
  const out = await docker(engine, ['image', 'inspect', '-f', '{{json .RootFS.Layers}}', ...tags], { nothrow: true });
  return out.stdout
    .split('\n')
    .filter(Boolean)
    .map((l, i) => ({ tag: tags[i]!, diffIds: JSON.parse(l) as string[] }));
}

/** The host image the hosts' images were committed on: the labbench/host image whose layers they start with. */
async function baseImageOf(engine: DockerEngine, diffIds: readonly string[]): Promise<SnapshotManifest['hostImage']> {
  const hostImages = await layersOf(engine, await dockerLines(engine, ['images', HOST_IMAGE_REPOSITORY, '--format', '{{.Repository}}:{{.Tag}}']));
  const base = hostImages.find((h) => h.diffIds.length > 0 && h.diffIds.length < diffIds.length && h.diffIds.every((d, i) => diffIds[i] === d));
  return base ?? { tag: '', diffIds: [] };
}

/** An exported file without the host image's layers needs them in this engine. */
async function requireBaseLayers(engine: DockerEngine, m: SnapshotManifest, file: string): Promise<void> {
  const images = await layersOf(
    engine,
    (await dockerLines(engine, ['images', '--format', '{{.Repository}}:{{.Tag}}'])).filter((t) => !t.includes('<none>')),
  );
  if (images.some((image) => m.hostImage.diffIds.every((d, i) => image.diffIds[i] === d))) return;
  throw new ConfigError(
    `file ${file} needs the host image it was saved on (${m.hostImage.tag}, layer ${m.hostImage.diffIds[0]?.slice(7, 19) ?? '?'}), which this machine's engine does not have`,
    {
      hint: 'it carries only the layers its lab added: export it again with --with-base on the machine that saved it (a larger file that needs nothing here)',
    },
  );
}

async function checkFile(path: string, want: SnapshotFile, source: string): Promise<void> {
  if (!existsSync(path)) throw new ConfigError(`${source} is missing ${want.path}`, { hint: 'remove the snapshot and save or import it again' });
  if ((await hashFile(path)) !== want.sha256)
    throw new ConfigError(`${source} is damaged: ${want.path} does not have the SHA-256 it was saved with`, {
      hint: 'remove the snapshot and save or import it again',
    });
}

/** The files under /etc that name a host's old address, rewritten with the lab's addresses. */
async function movedFiles(engine: DockerEngine, container: string, paths: readonly string[], changes: readonly AddressChange[]): Promise<ContainerFile[]> {
  if (changes.length === 0) return [];
  const out: ContainerFile[] = [];
  for (const path of paths) {
    const file = await readContainerFile(engine, container, path);
    if (!file) continue;
    const moved = rewriteAddresses(file.content.toString('utf8'), changes);
    if (moved !== file.content.toString('utf8')) out.push({ ...file, content: Buffer.from(moved) });
  }
  return out;
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
