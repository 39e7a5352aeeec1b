/**
 * The BenchExecutor on a real lab: checks the hosts have every probe tool, copies the probe
 * bundles, configures the flannel backend a run needs, sets up each path's containers and
 * servers on first use (again after a reconfiguration, which restarts Docker), runs one probe
 * command per run, and removes what it created.
 */
import { LabbenchError } from '../../errors.ts';
import type { Lab } from '../../lab.ts';
import { excerpt, ProbeOutputError } from '../../parsers/probe-output-error.ts';
import type { RunObserver } from '../../scenario/runner.ts';
import { quoteArg } from '../../shell-quote.ts';
import type { Arm, ScheduleCell } from '../plan/schedule.ts';
import { type Backend, backendsNeeded, CANARY_PATH, overlayNeeds, type ProbeSettings, type SuitePlan } from '../plan/suite.ts';
import { collectHostFacts, mergeHostFacts, overlayFields, probeFields } from './env-fingerprint.ts';
import type { BenchExecutor } from './executor.ts';
import type { RunValues } from './extract.ts';
import type { Fingerprint } from './fingerprint.ts';
import { ensureOverlay, overlayState } from './overlay.ts';
import { type BenchHosts, type CorePlan, corePlan, type LivePath, setUpPath, slotOf, tearDownPath } from './paths.ts';
import { buildProbeBundles } from './probes/bundle.ts';
import type { ProbeInvocation } from './probes/invocation.ts';
import { iperf3TcpRun, iperf3UdpRun } from './probes/run-iperf3.ts';
import { pingRun } from './probes/run-ping.ts';
import { PROBE_DIR, rrRun } from './probes/run-rr.ts';
import { machineIdentity } from './provenance.ts';

/** Programs every host must have; the bench downloads nothing. */
export const REQUIRED_TOOLS = ['iperf3', 'ping', 'node', 'nsenter', 'taskset', 'ss', 'docker', 'systemd-run'] as const;

/** Raised when the lab cannot host the bench (a tool missing, a path that does not come up). */
export class BenchSetupError extends LabbenchError {}

/** What the executor tells the user while it works (setup steps, not the runs themselves). */
export interface ExecutorObserver {
  onSetup?(text: string): void;
  /** Transcript of the flannel scenario when the executor (re)configures the overlay. */
  scenario?: RunObserver;
}

/** The invocation of one probe on a live path. */
export function probeInvocation(probe: ScheduleCell['probe'], live: LivePath, settings: ProbeSettings): ProbeInvocation {
  const source = live.source.placement;
  switch (probe) {
    case 'tcp':
      return iperf3TcpRun(source, live.address, settings.tcp);
    case 'udp':
      return iperf3UdpRun(source, live.address, settings.udp, settings.tcp.pinCpus);
    case 'ping':
      return pingRun(source, live.address, settings.ping);
    case 'rr':
      return rrRun(settings.tcp.pinCpus ? source : { ...source, core: null }, live.address, settings.rr);
  }
}

/** A BenchExecutor on an open lab. Call setUp() first and tearDown() at the end, whatever happened. */
export class LabExecutor implements BenchExecutor {
  private readonly live = new Map<string, LivePath>();
  private readonly flannelMtu = new Map<Backend, number | null>();
  private backend: Backend | null = null;
  private cores: CorePlan = { client: null, server: null };
  private facts: Fingerprint | null = null;

  constructor(
    private readonly lab: Lab,
    readonly hosts: BenchHosts,
    private readonly plan: SuitePlan,
    private readonly settings: ProbeSettings,
    private readonly observer: ExecutorObserver = {},
  ) {}

  /** The backend configured now (null: no overlay configured by this run yet). */
  get currentBackend(): Backend | null {
    return this.backend;
  }

  /**
   * Checks the tools, copies the probe bundles, brings the overlay to `firstBackend` (when the
   * plan measures one) and sets up every path that needs it, so a lab that cannot run the
   * bench fails here, before any measurement.
   */
  async setUp(firstBackend: Backend | null): Promise<void> {
    await this.checkTools();
    const bundles = await buildProbeBundles();
    for (const host of [this.hosts.a, this.hosts.b]) {
      for (const bundle of Object.values(bundles)) await host.put(`${PROBE_DIR}/${bundle.fileName}`, bundle.code, 0o644);
    }
    const cores = Number((await this.hosts.a.$({ quiet: true })`nproc`).text());
    this.cores = corePlan(cores);
    this.observer.onSetup?.(
      `probes pinned: ${this.cores.client === null ? 'no (1 core)' : `client on core ${this.cores.client}, servers on core ${this.cores.server}`} (${cores} cores)`,
    );
    if (firstBackend !== null) await this.prepare(firstBackend);
    // A stored-mode run measures the canary beside every path, named in --paths or not.
    const paths = new Set([...this.plan.paths, ...(this.plan.variants ? [] : [CANARY_PATH])]);
    for (const path of paths) {
      for (const arm of this.arms()) {
        const need = overlayNeeds(this.plan, path, arm);
        if (need === null || need.backend === this.backend) await this.livePath(path, arm);
      }
    }
  }

  async prepare(requirement: string | null): Promise<void> {
    if (requirement === null || requirement === this.backend) return;
    const backend = requirement as Backend;
    const before = await overlayState(this.hosts);
    if (!(before.ready && before.backend === backend))
      this.observer.onSetup?.(`configuring flannel with the ${backend} backend (the flannel-two-host scenario)`);
    const started = performance.now();
    const reconfigured = await ensureOverlay(this.lab, before, backend, this.observer.scenario);
    if (reconfigured) {
      // Docker restarted on both hosts: every container, and the servers in their namespaces,
      // are gone; the host-namespace paths (loopback, host) are untouched.
      for (const [key, live] of this.live) {
        if (live.containers.length === 0) continue;
        await tearDownPath(live);
        this.live.delete(key);
      }
    }
    this.backend = backend;
    // Only a reconfiguration changes what flannel hands out.
    this.flannelMtu.set(backend, (reconfigured ? await overlayState(this.hosts) : before).mtu);
    this.observer.onSetup?.(
      `flannel ${backend} ${reconfigured ? `configured in ${((performance.now() - started) / 1000).toFixed(1)}s` : 'already configured'} (FLANNEL_MTU ${this.flannelMtu.get(backend) ?? '?'})`,
    );
  }

  async run(cell: ScheduleCell): Promise<RunValues> {
    const live = await this.livePath(cell.path, cell.arm);
    const invocation = probeInvocation(cell.probe, live, this.settings);
    const out = await live.source.host.run(quoteArg(invocation.argv), { nothrow: true, quiet: true, timeoutMs: invocation.timeoutMs });
    if (out.exitCode === null) throw new ProbeOutputError(`${cell.probe} on ${cell.path} did not finish within ${invocation.timeoutMs / 1000}s`);
    try {
      return invocation.parse(out.stdout);
    } catch (err) {
      // A probe that printed nothing usable says why on stderr.
      if (out.stdout.trim() === '' && out.stderr.trim() !== '')
        throw new ProbeOutputError(`${cell.probe} on ${cell.path} exited ${out.exitCode}: ${excerpt(out.stderr)}`);
      throw err;
    }
  }

  async fingerprint(arm: Arm | null): Promise<Fingerprint> {
    if (this.facts === null) {
      const byHost = [];
      for (const host of [this.hosts.a, this.hosts.b]) byHost.push({ host: host.name, facts: await collectHostFacts(host) });
      this.facts = { ...mergeHostFacts(byHost), machineId: machineIdentity() };
    }
    const facts = { ...this.facts };
    const backends = backendsNeeded(this.plan);
    if (backends.length === 0) delete facts.flannel;
    const probes = probeFields(this.settings, this.plan.probes);
    if (this.plan.variants && arm) {
      const variant = this.plan.variants[arm];
      const backend = variant.backend ?? (this.plan.backends[0] as Backend);
      return { ...facts, ...overlayFields(new Map([[backend, this.flannelMtu.get(backend) ?? null]])), 'mtu.overlay.containers': variant.mtu, ...probes };
    }
    return { ...facts, ...overlayFields(new Map(backends.map((b) => [b, this.flannelMtu.get(b) ?? null]))), ...probes };
  }

  /** Removes every container and server the bench created, and the probe bundles. */
  async tearDown(): Promise<void> {
    for (const live of this.live.values()) await tearDownPath(live);
    this.live.clear();
    for (const host of [this.hosts.a, this.hosts.b]) await host.$({ nothrow: true, quiet: true })`rm -rf ${PROBE_DIR}`;
  }

  private arms(): (Arm | null)[] {
    return this.plan.variants ? ['A', 'B'] : [null];
  }

  private async livePath(path: string, arm: Arm | null): Promise<LivePath> {
    const slot = slotOf(this.plan, path, arm);
    const existing = this.live.get(slot.key);
    if (existing) return existing;
    if (slot.backend !== null && slot.backend !== this.backend) {
      throw new LabbenchError(`path ${path} needs flannel's ${slot.backend} backend but the lab runs ${this.backend ?? 'none'}`);
    }
    const started = performance.now();
    const live = await setUpPath(this.hosts, slot, this.cores);
    this.live.set(slot.key, live);
    this.observer.onSetup?.(
      `path ${slot.key}: ${live.source.label} → ${live.address} (${live.destination.label})${slot.mtu ? `, MTU ${slot.mtu}` : ''} ready in ${((performance.now() - started) / 1000).toFixed(1)}s`,
    );
    return live;
  }

  private async checkTools(): Promise<void> {
    const missing: string[] = [];
    for (const host of [this.hosts.a, this.hosts.b]) {
      const r = await host.$({ nothrow: true, quiet: true })`for t in ${[...REQUIRED_TOOLS]}; do command -v "$t" >/dev/null || echo "$t"; done`;
      const absent = r.lines();
      if (absent.length > 0) missing.push(`${host.name}: ${absent.join(', ')}`);
    }
    if (missing.length > 0) {
      throw new BenchSetupError(`probe tools missing on the lab hosts (${missing.join('; ')})`, {
        hint: "the local provider's host image has them all; on other hosts install iperf3, iputils-ping, nodejs (≥ 18), util-linux, iproute2 and docker",
      });
    }
  }
}
