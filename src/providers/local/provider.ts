/**
 * The local provider: the lab's hosts are system containers (systemd as PID 1, their own
 * Docker engine, sshd) on an internal Docker network that plays the LAN. Every resource carries
 * the `dev.labbench.lab` label; `down` removes by label, so it also cleans an interrupted `up`.
 * This file is the lab's lifecycle (up, stop, start, status, down); creating its hosts is
 * provision.ts, what status says in words status-text.ts, snapshots snapshots.ts.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { ConfigError, ProviderError, StateFileError, tail } from '../../errors.ts';
import type { HostOffers, Inventory, InventoryHost } from '../../inventory.ts';
import { isLocked } from '../../machine/file-lock.ts';
import type { Progress } from '../../progress.ts';
import { nameFlag, type TestbedSpec, validateSpec } from '../../testbed/testbed.ts';
import { type LabCondition, labConditionOf } from '../lab-state.ts';
import type { LabStatus, PowerSupport, Provider, SnapshotSupport, UpOptions } from '../provider.ts';
import { capBndOf, hostContainerFlags, missingCapabilities } from './capabilities.ts';
import { type DockerEngine, docker, dockerLines, LABEL, pingEngine } from './docker-cli.ts';
import { acquireEngine, ensurePrivateEngine, findEngine, privateEngineAnswers, stopPrivateEngineIfIdle } from './engine.ts';
import { bridgeName, containerName } from './host-container.ts';
import { ensureHostImage, HOST_IMAGE_REPOSITORY } from './host-image/build.ts';
import { ensureInotifyRoom } from './inotify.ts';
import { allLabRecords, type LabRecord, labNamesWithRecords, readLabRecord, writeLabRecord } from './lab-record.ts';
import { allowLanForwarding, removeLanForwarding } from './lan-forwarding.ts';
import { type StatePaths, statePaths } from './paths.ts';
import { bootWithOneRetry, provisionHosts } from './provision.ts';
import { LocalSnapshots, removeLabSnapshotImages } from './snapshots.ts';
import { engineLine, nextStep, unreadableLab } from './status-text.ts';

/**
 * What the document's hosts run here: Debian 12 in a system container, whatever OS label they
 * carry. Its hosts are stand-ins (HostOffers.standIn): the label stays the document's.
 */
export const LOCAL_PLATFORM = 'debian-12 system container';

/** A local lab's hosts: stand-ins on a LAN with no route out, with the host image's offline package sources. */
export const LOCAL_HOST_OFFERS: HostOffers = {
  standIn: true,
  online: false,
  labelSource: 'the lab spec',
  packages: { yumStandIn: true, flannel: true },
};
export { bridgeName, containerName } from './host-container.ts';

/**
 * Seconds `lab stop` gives each host to shut down before its container is killed: systemd stops
 * the host's services, and its Docker engine gives its own containers up to 10 s each.
 */
const STOP_GRACE_S = 30;

export class LocalProvider implements Provider {
  readonly kind = 'local' as const;
  readonly offers = LOCAL_HOST_OFFERS;
  readonly power: PowerSupport = {
    available: true,
    stop: (name, progress) => this.stop(name, progress),
    start: (name, progress) => this.start(name, progress),
  };
  readonly snapshots: SnapshotSupport;
  private readonly paths: StatePaths;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {
    this.paths = statePaths(env);
    this.snapshots = { available: true, snapshots: new LocalSnapshots(this.paths, this) };
  }

  async preflight(spec: TestbedSpec): Promise<void> {
    const others = allLabRecords(this.paths).filter((r) => r.name !== spec.name);
    validateSpec(
      spec,
      others.map((r) => ({ cidr: r.spec.subnet, why: `the LAN of lab "${r.name}"` })),
    );
    const existing = readLabRecord(this.paths.lab(spec.name), spec.name);
    if (existing && existing.state === 'up' && existing.spec.subnet !== spec.subnet) {
      throw new ConfigError(`lab "${spec.name}" already exists with subnet ${existing.spec.subnet}, not ${spec.subnet}`, {
        hint: `run \`pnpm lab down --name ${spec.name}\` first, or pick another --name`,
      });
    }
  }

  async up(spec: TestbedSpec, progress: Progress, options: UpOptions = {}): Promise<Inventory> {
    await this.preflight(spec);
    const lab = this.paths.lab(spec.name);
    const existing = readLabRecord(lab, spec.name);
    if (existing && options.recreate) {
      progress.note(`lab "${spec.name}" exists: --recreate removes it first (its hosts' files and containers go with it)`);
      await this.down(spec.name, progress, { keepEngine: true });
    } else if (existing && existing.state !== 'up') {
      progress.note(`lab "${spec.name}" is partial (an earlier ${existing.state === 'creating' ? 'up' : 'down'} was interrupted): removing what it left first`);
      await this.down(spec.name, progress, { keepEngine: true });
    } else if (!existing && (await this.hasLeftovers(spec.name))) {
      progress.note(`lab "${spec.name}" has no record but its containers or LAN are still there (a command was killed): removing them first`);
      await this.down(spec.name, progress, { keepEngine: true });
    } else if (existing) {
      const engine = await this.labEngine(existing, progress);
      const condition = await this.observe(existing, engine);
      if (condition.state === 'up') {
        progress.note(`lab "${spec.name}" is already up`);
        return this.inventoryOf(existing);
      }
      if (condition.missing.length === 0)
        progress.note(
          `lab "${spec.name}" exists and is ${condition.state}: starting its hosts as they were (nothing is recreated; \`pnpm lab up --recreate\` starts from scratch)`,
        );
      return this.startHosts(existing, engine, condition, progress);
    }

    ensureInotifyRoom(spec.hosts.length, progress);
    const engine = await acquireEngine(this.paths, progress, this.env);
    const image = await ensureHostImage(engine, this.paths, progress);
    const { flags, reason } = hostContainerFlags(missingCapabilities(capBndOf(readFileSync('/proc/self/status', 'utf8')) ?? 'ffffffffff'));
    const network = `labbench-${spec.name}-lan`;
    const record: LabRecord = {
      name: spec.name,
      provider: 'local',
      state: 'creating',
      spec,
      engine: { host: engine.host, kind: engine.kind },
      image,
      network,
      flagsReason: reason,
      createdAt: new Date().toISOString(),
    };
    writeLabRecord(lab, record);
    await provisionHosts({ engine, paths: this.paths, spec, image, network, flags }, progress);
    record.state = 'up';
    writeLabRecord(lab, record);
    return this.inventoryOf(record);
  }

  async inventory(name: string): Promise<Inventory | undefined> {
    const record = readLabRecord(this.paths.lab(name), name);
    if (record?.state !== 'up') return undefined;
    const engine = await this.answeringEngine(record);
    return engine && (await this.observe(record, engine)).state === 'up' ? this.inventoryOf(record) : undefined;
  }

  async stop(name: string, progress: Progress): Promise<void> {
    const record = this.existingRecord(name, 'stop');
    const engine = await this.answeringEngine(record);
    if (!engine) {
      progress.note(`lab "${name}" is already stopped: the engine that holds it is not running`);
      return;
    }
    const { notRunning } = await this.observe(record, engine);
    const running = record.spec.hosts.map((h) => h.name).filter((h) => !notRunning.includes(h));
    if (running.length === 0) {
      progress.note(`lab "${name}" is already stopped`);
      return;
    }
    await progress.step(`Stopping ${running.join(', ')} (systemd shuts each host down; files, containers and volumes stay)`, () =>
      docker(engine, ['stop', '--time', String(STOP_GRACE_S), ...running.map((h) => containerName(name, h))]),
    );
  }

  async start(name: string, progress: Progress): Promise<Inventory> {
    const record = this.existingRecord(name, 'start');
    if (record.state === 'creating') {
      throw new ConfigError(`lab "${name}" is partial: the up that created it was interrupted`, {
        hint: `\`pnpm lab up${nameFlag(name)}\` removes it and creates it again`,
      });
    }
    const engine = await this.labEngine(record, progress);
    const condition = await this.observe(record, engine);
    if (condition.state === 'up') {
      throw new ConfigError(`lab "${name}" is already up: there is nothing to start`, { hint: `\`pnpm lab status${nameFlag(name)}\` shows its hosts` });
    }
    return this.startHosts(record, engine, condition, progress);
  }

  async status(name: string): Promise<LabStatus | undefined> {
    const record = readLabRecord(this.paths.lab(name), name);
    const engine = record ? await this.answeringEngine(record) : await findEngine(this.paths, this.env);
    if (!record && !engine) return undefined;
    const containers = engine ? await this.containersOf(engine, name) : [];
    if (!record && containers.length === 0) return undefined;
    const spec = record?.spec;
    const hosts = (spec?.hosts ?? []).map((h) => {
      const c = containers.find((x) => x.host === h.name);
      return { name: h.name, address: h.address, os: h.os, platform: LOCAL_PLATFORM, state: engine ? (c?.state ?? 'absent') : 'unknown' };
    });
    const condition = record ? conditionOf(record, engine, containers) : undefined;
    const state = condition?.state ?? 'partial';
    const images = engine ? await dockerLines(engine, ['images', HOST_IMAGE_REPOSITORY, '--format', '{{.Repository}}:{{.Tag}} {{.Size}}']) : [];
    return {
      name,
      provider: 'local',
      subnet: spec?.subnet ?? '?',
      state,
      hosts,
      details: {
        engine: engineLine(engine, record),
        next: record && condition ? nextStep(record, condition) : `\`pnpm lab down${nameFlag(name)}\` removes what is left`,
        image: record?.image,
        cachedHostImages: images,
        containerFlags: record?.flagsReason,
        stateDir: this.paths.lab(name).dir,
      },
    };
  }

  /** Every lab this machine has a record of, with its state, in name order. */
  async list(): Promise<LabStatus[]> {
    const names = labNamesWithRecords(this.paths);
    const statuses = await Promise.all(names.map((n) => this.status(n).catch((err: unknown) => unreadableLab(n, err))));
    return statuses.filter((s): s is LabStatus => s !== undefined);
  }

  async down(name: string, progress: Progress, options: { keepEngine?: boolean } = {}): Promise<void> {
    const lab = this.paths.lab(name);
    let record: LabRecord | undefined;
    let unreadable = false;
    try {
      record = readLabRecord(lab, name);
    } catch (err) {
      if (!(err instanceof StateFileError)) throw err;
      // Removal goes by Docker labels: a record that cannot be read does not stop it.
      progress.note(`${err.message}: removing the lab by its Docker labels`);
      unreadable = true;
    }
    if (record && record.state !== 'removing') {
      try {
        writeLabRecord(lab, { ...record, state: 'removing' });
      } catch (err) {
        // A full disk must not keep a lab from being removed: the old record stays as it was.
        progress.note(`could not mark lab "${name}" as being removed (${(err as Error).message}): removing it all the same`);
      }
    }
    let engine = record ? await this.answeringEngine(record) : await findEngine(this.paths, this.env);
    if (!engine && (record?.engine.kind === 'private' || (unreadable && existsSync(this.paths.engine.record)))) {
      // The private engine is gone (reboot, kill): start it again to remove what it still holds.
      engine = await ensurePrivateEngine(this.paths, progress, this.env);
    }
    if (engine) {
      const e = engine;
      const ids = await dockerLines(e, ['ps', '-aq', '--filter', `label=${LABEL.lab}=${name}`]);
      if (ids.length > 0) await progress.step(`Removing ${ids.length} host container(s)`, () => docker(e, ['rm', '-f', '-v', ...ids]));
      const nets = await dockerLines(e, ['network', 'ls', '-q', '--filter', `label=${LABEL.lab}=${name}`]);
      if (nets.length > 0) await progress.step('Removing the LAN', () => docker(e, ['network', 'rm', ...nets]));
      const vols = await dockerLines(e, ['volume', 'ls', '-q', '--filter', `label=${LABEL.lab}=${name}`]);
      if (vols.length > 0) await progress.step(`Removing ${vols.length} volume(s)`, () => docker(e, ['volume', 'rm', '-f', ...vols]));
      // Snapshots kept with the lab go with it; exported files are the user's and stay.
      const snapshots = existsSync(lab.snapshots) ? readdirSync(lab.snapshots) : [];
      if (snapshots.length > 0) progress.note(`its snapshots (${snapshots.join(', ')}) go with it; exported snapshot files stay`);
      await removeLabSnapshotImages(e, name);
    }
    await removeLanForwarding(name);
    // The record goes last, so a down killed half-way is finished by the next command.
    rmSync(lab.record, { force: true });
    rmSync(lab.dir, { recursive: true, force: true });
    if (!options.keepEngine && engine?.kind === 'private') {
      const e = engine;
      await stopPrivateEngineIfIdle(this.paths, progress, async () => {
        if (labNamesWithRecords(this.paths).length > 0 || this.otherLabsBusy(name)) return false;
        return (await privateEngineAnswers(this.paths)) !== undefined && (await dockerLines(e, ['ps', '-aq', '--filter', `label=${LABEL.lab}`])).length === 0;
      });
    }
  }

  /** Whether a command other than this one holds another lab's lock (a lab being created may not have its record yet). */
  private otherLabsBusy(except: string): boolean {
    const own = this.paths.labLock(except);
    return this.paths.labLocks().some((f) => f !== own && isLocked(f));
  }

  /** Containers or a LAN of this lab that no record accounts for (a command killed between creating them and writing the record, or during down). */
  private async hasLeftovers(name: string): Promise<boolean> {
    const engine = await findEngine(this.paths, this.env);
    if (!engine) return false;
    const filter = `label=${LABEL.lab}=${name}`;
    return (
      (await dockerLines(engine, ['ps', '-aq', '--filter', filter])).length > 0 ||
      (await dockerLines(engine, ['network', 'ls', '-q', '--filter', filter])).length > 0
    );
  }

  inventoryOf(record: LabRecord): Inventory {
    const lab = this.paths.lab(record.name);
    return {
      lab: record.name,
      provider: 'local',
      subnet: record.spec.subnet,
      hosts: record.spec.hosts.map(
        (h): InventoryHost => ({
          name: h.name,
          address: h.address,
          os: h.os,
          platform: LOCAL_PLATFORM,
          roles: h.roles,
          ssh: { host: h.address, port: 22, user: 'root', keyPath: lab.privateKey, knownHostsPath: lab.knownHosts },
          container: { dockerHost: record.engine.host, container: containerName(record.name, h.name) },
        }),
      ),
      offers: this.offers,
    };
  }

  private async containersOf(engine: DockerEngine, lab: string): Promise<{ host: string; state: string }[]> {
    const lines = await dockerLines(engine, ['ps', '-a', '--filter', `label=${LABEL.lab}=${lab}`, '--format', `{{.Label "${LABEL.host}"}} {{.State}}`]);
    return lines.map((l) => {
      const [host = '', state = ''] = l.split(' ');
      return { host, state };
    });
  }

  /** The record of a lab that must exist for `lab <command>`. */
  existingRecord(name: string, command: string): LabRecord {
    const record = readLabRecord(this.paths.lab(name), name);
    if (!record) {
      throw new ConfigError(`lab "${name}" does not exist: there is nothing to ${command}`, { hint: `\`pnpm lab up${nameFlag(name)}\` creates it` });
    }
    return record;
  }

  /** The engine that holds the lab, if it answers now (nothing is started). */
  async answeringEngine(record: LabRecord): Promise<DockerEngine | undefined> {
    const version = record.engine.kind === 'private' ? await privateEngineAnswers(this.paths) : await pingEngine(record.engine.host);
    return version ? { ...record.engine, version } : undefined;
  }

  /** The engine that holds the lab, started again when it is labbench's private one. */
  async labEngine(record: LabRecord, progress: Progress): Promise<DockerEngine> {
    if (record.engine.kind === 'private') return ensurePrivateEngine(this.paths, progress, this.env);
    const engine = await this.answeringEngine(record);
    if (engine) return engine;
    throw new ProviderError(`the Docker engine that holds lab "${record.name}" (${record.engine.host}) does not answer`, {
      hint: `start it (e.g. \`systemctl start docker\`), then run \`pnpm lab start${nameFlag(record.name)}\``,
    });
  }

  async observe(record: LabRecord, engine: DockerEngine): Promise<LabCondition> {
    return conditionOf(record, engine, await this.containersOf(engine, record.name));
  }

  /**
   * Starts the hosts of a lab that exist but do not run, as they are: same container, address,
   * host keys and disk. systemd boots each; their services and containers come back by their
   * own unit and restart settings.
   */
  private async startHosts(record: LabRecord, engine: DockerEngine, condition: LabCondition, progress: Progress): Promise<Inventory> {
    const { name } = record;
    if (condition.missing.length > 0) {
      const kept = record.spec.hosts.map((h) => h.name).filter((h) => !condition.missing.includes(h));
      throw new ProviderError(`lab "${name}" cannot be started: ${condition.missing.join(', ')} ${condition.missing.length === 1 ? 'is' : 'are'} gone`, {
        hint:
          `\`pnpm lab up --recreate${nameFlag(name)}\` removes the lab and creates it again` +
          (kept.length > 0
            ? `; what ${kept.join(' and ')} ${kept.length === 1 ? 'holds' : 'hold'} (files, Docker containers, images and volumes, etcd's data) would be lost`
            : ''),
      });
    }
    const names = condition.notRunning.map((h) => containerName(name, h));
    await progress.step(`Starting ${condition.notRunning.join(', ')} as they were (files, containers, addresses and host keys kept)`, async () => {
      const r = await docker(engine, ['start', ...names], { nothrow: true });
      if (r.exitCode !== 0) {
        // Docker's reason is on the lines before its closing "failed to start containers".
        throw new ProviderError(`lab "${name}": the host containers did not start: ${tail(r.stderr.trim(), 3)}`, {
          hint: `\`pnpm lab up --recreate${nameFlag(name)}\` creates the lab anew (its hosts' files and containers would be lost)`,
        });
      }
    });
    // An engine that was started again has set up its iptables chains afresh.
    await allowLanForwarding(bridgeName(name), name, { createChain: engine.kind === 'private' });
    await progress.step(`Waiting for systemd on ${condition.notRunning.join(', ')}`, () =>
      Promise.all(record.spec.hosts.filter((h) => condition.notRunning.includes(h.name)).map((h) => bootWithOneRetry(engine, this.paths, name, h, progress))),
    );
    return this.inventoryOf(record);
  }
}

function conditionOf(record: LabRecord, engine: DockerEngine | undefined, containers: { host: string; state: string }[]): LabCondition {
  return labConditionOf({
    interrupted: record.state !== 'up',
    engineAnswers: engine !== undefined,
    hosts: record.spec.hosts.map((h) => {
      const c = containers.find((x) => x.host === h.name);
      return { name: h.name, exists: c !== undefined, running: c?.state === 'running' };
    }),
  });
}
