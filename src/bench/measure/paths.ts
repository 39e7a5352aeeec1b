/**
 * The measured paths on the two-host lab: which namespaces the probe client and the servers
 * run in, and the containers and server units that make them. A path × arm maps to a slot
 * (pure); a slot is set up into a live path on the hosts (containers, iperf3 and echo
 * servers as transient systemd units) and torn down again.
 *
 *   loopback  host A's namespace → itself over 127.0.0.1: the machine's ceiling
 *   host      host A's namespace → host B's, over the lab LAN
 *   bridge    container → container on host A, through docker0
 *   overlay   container on host A → container on host B, through flannel
 *
 * Every process runs from the host's own tools (iperf3, iputils ping, node) entered into the
 * container's network namespace with nsenter, so all paths use one tool version; the network
 * path is the container's, which is what is measured.
 */
import { LabbenchError, TimeoutError } from '../../errors.ts';
import type { Host } from '../../host.ts';
import { BOX_IMAGE, ensureBoxImage } from '../../scenario/lib/box.ts';
import type { Arm } from '../plan/schedule.ts';
import { type Backend, overlayNeeds, type PathKind, pathKind, type SuitePlan } from '../plan/suite.ts';
import { enterNetns, type Placement, type ServerCommand } from './probes/invocation.ts';
import { iperf3Server } from './probes/run-iperf3.ts';
import { echoServer } from './probes/run-rr.ts';

/** One setup to measure: a path, or one arm's own overlay pair in an A/B run. */
export interface PathSlot {
  /** Unique among the run's slots; names the slot's containers and units. */
  key: string;
  path: string;
  kind: PathKind;
  /** flannel backend the slot needs configured (overlay only). */
  backend: Backend | null;
  /** Interface MTU to give the slot's containers; null: Docker's. */
  mtu: number | null;
}

/**
 * The slot a path × arm is measured on. Paths the variants do not change share one slot
 * across both arms (they are the run's A/A controls); the overlay gets one slot per arm.
 */
export function slotOf(plan: SuitePlan, path: string, arm: Arm | null): PathSlot {
  const kind = pathKind(path);
  const need = overlayNeeds(plan, path, arm);
  const perArm = plan.variants !== null && need !== null && arm !== null;
  return { key: perArm ? `${path}-${arm.toLowerCase()}` : path, path, kind, backend: need?.backend ?? null, mtu: need?.mtu ?? null };
}

/** The two hosts of the lab: A (etcd + flannel, the probe clients) and B. */
export interface BenchHosts {
  a: Host;
  b: Host;
}

/** One end of a live path. */
export interface LiveEnd {
  host: Host;
  placement: Placement;
  /** Human name, e.g. "hostA" or "bench-bridge-dst@hostA". */
  label: string;
}

/** A path ready to measure: clients start at `source`, servers listen at `address` in `destination`. */
export interface LivePath {
  slot: PathSlot;
  source: LiveEnd;
  destination: LiveEnd;
  address: string;
  /** Containers created for the path. */
  containers: { host: Host; name: string }[];
  /** Transient units running its servers. */
  units: { host: Host; name: string }[];
}

/** Cores a host's client and server are pinned to (null: no pinning on a 1-core host). */
export interface CorePlan {
  client: number | null;
  server: number | null;
}

/** Client on the first core, server on the last: they never share a core on a 2-core machine. */
export function corePlan(cores: number): CorePlan {
  return cores >= 2 ? { client: 0, server: cores - 1 } : { client: null, server: null };
}

/** Name of a slot's container on one side. */
export function containerName(slot: PathSlot, side: 'src' | 'dst'): string {
  return `bench-${slot.key}-${side}`;
}

/** Name of the transient unit of a slot's server. */
export function unitName(slot: PathSlot, server: ServerCommand): string {
  return `labbench-bench-${slot.key}-${server.name}`;
}

/** Label on every bench container, so a kept lab shows where they came from. */
export const BENCH_LABEL = 'dev.labbench.bench';
const SERVER_READY_TIMEOUT_MS = 15_000;

/** Creates the slot's containers and servers; what was created is removed again when a step fails. */
export async function setUpPath(hosts: BenchHosts, slot: PathSlot, cores: CorePlan): Promise<LivePath> {
  const live: LivePath = {
    slot,
    source: { host: hosts.a, placement: { enter: [], core: cores.client }, label: hosts.a.name },
    destination: { host: hosts.a, placement: { enter: [], core: cores.server }, label: hosts.a.name },
    address: '127.0.0.1',
    containers: [],
    units: [],
  };
  try {
    switch (slot.kind) {
      case 'loopback':
        break;
      case 'host':
        live.destination = { host: hosts.b, placement: { enter: [], core: cores.server }, label: hosts.b.name };
        live.address = hosts.b.address;
        break;
      case 'bridge':
      case 'overlay': {
        const dstHost = slot.kind === 'bridge' ? hosts.a : hosts.b;
        const src = await startContainer(live, hosts.a, containerName(slot, 'src'), slot.mtu);
        const dst = await startContainer(live, dstHost, containerName(slot, 'dst'), slot.mtu);
        live.source = { host: hosts.a, placement: { enter: enterNetns(src.pid), core: cores.client }, label: `${containerName(slot, 'src')}@${hosts.a.name}` };
        live.destination = {
          host: dstHost,
          placement: { enter: enterNetns(dst.pid), core: cores.server },
          label: `${containerName(slot, 'dst')}@${dstHost.name}`,
        };
        live.address = dst.address;
        break;
      }
    }
    // Servers bind the address the clients use, so two paths can never answer for each other.
    for (const server of [iperf3Server(live.destination.placement, live.address), echoServer(live.destination.placement, live.address)]) {
      await startServer(live, server);
    }
    await checkReachable(live);
    return live;
  } catch (err) {
    await tearDownPath(live);
    throw err;
  }
}

/** Stops the path's servers and removes its containers (best effort: teardown must not hide the run's own error). */
export async function tearDownPath(live: LivePath): Promise<void> {
  for (const u of live.units) await u.host.$({ nothrow: true, quiet: true })`systemctl stop ${`${u.name}.service`}`;
  for (const c of live.containers) await c.host.$({ nothrow: true, quiet: true })`docker rm -f ${c.name}`;
  live.units = [];
  live.containers = [];
}

async function startContainer(live: LivePath, host: Host, name: string, mtu: number | null): Promise<{ pid: number; address: string }> {
  await ensureBoxImage(host);
  await host.$({ nothrow: true, quiet: true })`docker rm -f ${name}`;
  await host.$`docker run -d --name ${name} --label ${`${BENCH_LABEL}=${live.slot.key}`} ${BOX_IMAGE} sleep 2147483647`;
  live.containers.push({ host, name });
  const fields = (await host.$`docker inspect -f ${'{{.State.Pid}} {{.NetworkSettings.IPAddress}}'} ${name}`).text().split(' ');
  const pid = Number(fields[0]);
  const address = fields[1] ?? '';
  if (!(pid > 0) || address === '') throw new LabbenchError(`container ${name} on ${host.name} has no PID or address (${fields.join(' ')})`);
  if (mtu !== null) await host.$`${enterNetns(pid)} ip link set dev eth0 mtu ${mtu}`;
  return { pid, address };
}

async function startServer(live: LivePath, server: ServerCommand): Promise<void> {
  const host = live.destination.host;
  const unit = unitName(live.slot, server);
  // A unit left by an interrupted run would make systemd-run refuse the name.
  await host.$({ nothrow: true, quiet: true })`systemctl stop ${`${unit}.service`}; systemctl reset-failed ${`${unit}.service`}`;
  await host.$`systemd-run --quiet --collect --unit ${unit} ${server.argv}`;
  live.units.push({ host, name: unit });
  const listening = [...live.destination.placement.enter, 'ss', '-Hltn', `sport = :${server.port}`];
  const deadline = Date.now() + SERVER_READY_TIMEOUT_MS;
  while ((await host.$({ nothrow: true, quiet: true })`${listening}`).text() === '') {
    if (Date.now() > deadline) {
      const log = (await host.$({ nothrow: true, quiet: true })`journalctl -u ${unit} -n 5 --no-pager -o cat`).text();
      throw new TimeoutError(
        `${server.name} server for path ${live.slot.path} did not listen on ${live.address}:${server.port} in ${live.destination.label} within ${SERVER_READY_TIMEOUT_MS / 1000}s`,
        {
          hint: log ? `its log: ${log.split('\n').join(' | ')}` : `see \`journalctl -u ${unit}\` on ${host.name}`,
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function checkReachable(live: LivePath): Promise<void> {
  const r = await live.source.host.$({ nothrow: true })`${live.source.placement.enter} ping -n -c 3 -i 0.2 -W 2 ${live.address}`;
  if (!r.ok) {
    throw new LabbenchError(`path ${live.slot.path}: ${live.source.label} cannot reach ${live.address} (${live.destination.label})`, {
      hint: r.stdout.trim().split('\n').pop() || r.stderr.trim() || 'check the lab network (pnpm lab status)',
    });
  }
}
