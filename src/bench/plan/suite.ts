/**
 * What a `pnpm bench` run measures, as a value: the paths (with the overlay split per flannel
 * backend), the probes, the probe settings sized for the 4-minute default suite, and the two
 * variants of an A/B run. Pure: everything here is checked before a host is touched.
 */
import { ConfigError } from '../../errors.ts';
import { PROBES, type ProbeKind } from './metrics.ts';
import type { Arm } from './schedule.ts';

/** The four kinds of path of the issue, in report order. */
export const PATH_KINDS = ['loopback', 'host', 'bridge', 'overlay'] as const;

/** Kind of a measured path. */
export type PathKind = (typeof PATH_KINDS)[number];

/**
 * The canary: the same-namespace path, which involves neither Docker nor flannel, so what moves
 * it is the machine. A stored-mode run measures it beside every other path's cell, whether or
 * not `--paths` names it.
 */
export const CANARY_PATH: PathKind = 'loopback';

/** flannel backends the overlay can be measured over. */
export const BACKENDS = ['vxlan', 'udp', 'host-gw'] as const;

/** A flannel backend. */
export type Backend = (typeof BACKENDS)[number];

/**
 * The overlay backend measured when none is given. vxlan is flannel's production data plane;
 * the course document's own default (udp, a user-space relay) is measured with `--backend udp`.
 */
export const DEFAULT_BACKEND: Backend = 'vxlan';

/**
 * Probe settings of the default suite. A round is 24 runs (3 paths × 4 probes, each beside a
 * loopback canary run), and 10 rounds + 1 warm-up have to fit in 5 minutes on a shared 2-core
 * machine, so each run is short; each run is still one sample, which is what the decision core
 * needs. iperf3 reads -t and -O as whole seconds (and -t 0 means "forever"), so TCP measures 1 s
 * without an omitted second: on these paths (round trips of tens of µs) slow start is over within
 * the first milliseconds, and the omitted second would cost 6 s a round. UDP sends at a fixed rate
 * for 1 s, at 100 Mbit/s of 1200-byte datagrams: a load every backend's path carries (the udp
 * backend's relay included) in datagrams below every backend's MTU, so loss means trouble, not
 * saturation. ping at 5 ms intervals (root), the first 5 replies dropped. The request-response
 * probe keeps ≥ 1000 samples per run.
 */
export const BENCH_PROBE_SETTINGS: ProbeSettings = {
  tcp: { durationS: 1, omitS: 0, streams: 1, pinCpus: true },
  udp: { durationS: 1, omitS: 0, bitrate: '100M', lengthBytes: 1200 },
  ping: { count: 55, intervalS: 0.005, skipFirst: 5 },
  rr: { payloadBytes: 64, timeMs: 250, iterations: 1000, warmupTimeMs: 100, warmupIterations: 300 },
};

/** How each probe is invoked; recorded so a baseline is only compared with the same settings. */
export interface ProbeSettings {
  tcp: { durationS: number; omitS: number; streams: number; pinCpus: boolean };
  udp: { durationS: number; omitS: number; bitrate: string; lengthBytes: number };
  ping: { count: number; intervalS: number; skipFirst: number };
  rr: { payloadBytes: number; timeMs: number; iterations: number; warmupTimeMs: number; warmupIterations: number };
}

/** One side of an A/B run: a flannel backend and/or an MTU for the overlay containers' interfaces. */
export interface Variant {
  /** As the user wrote it, e.g. "vxlan" or "mtu=600". */
  label: string;
  /** null: the run's backend. */
  backend: Backend | null;
  /** Interface MTU of the overlay pair's containers; null: what Docker gives them. */
  mtu: number | null;
}

/** What the command line asked to measure. */
export interface SuiteRequest {
  paths?: string;
  probes?: string;
  backends?: readonly string[];
  ab?: string;
}

/** The resolved suite. */
export interface SuitePlan {
  /** Path names as reported: loopback, host, bridge, and overlay (or overlay-<backend> per backend). */
  paths: string[];
  probes: ProbeKind[];
  /** Backends the stored-mode overlay paths run over (A/B: the run's backend for variants without one). */
  backends: Backend[];
  /** The two variants of an A/B run; null in stored mode. */
  variants: { A: Variant; B: Variant } | null;
}

const MIN_MTU = 576;
const MAX_MTU = 9000;

/** Parses a variant: a backend, `mtu=N`, or both joined by "+" (e.g. "udp+mtu=1400"). */
export function parseVariant(text: string): Variant {
  const label = text.trim();
  if (label === '') throw variantError(text, 'it is empty');
  let backend: Backend | null = null;
  let mtu: number | null = null;
  for (const part of label.split('+')) {
    const m = /^mtu=(\d+)$/.exec(part);
    if (m) {
      if (mtu !== null) throw variantError(text, 'it gives the MTU twice');
      mtu = Number(m[1]);
      if (mtu < MIN_MTU || mtu > MAX_MTU) throw variantError(text, `the MTU must be between ${MIN_MTU} and ${MAX_MTU}`);
    } else if ((BACKENDS as readonly string[]).includes(part)) {
      if (backend !== null) throw variantError(text, 'it gives the backend twice');
      backend = part as Backend;
    } else {
      throw variantError(text, `"${part}" is neither a backend (${BACKENDS.join(', ')}) nor mtu=N`);
    }
  }
  return { label, backend, mtu };
}

function variantError(text: string, why: string): ConfigError {
  return new ConfigError(`bad A/B variant "${text}": ${why}`, { hint: 'e.g. --ab vxlan,udp or --ab mtu=1450,mtu=600 or --ab vxlan,vxlan+mtu=1400' });
}

/** Parses `--ab A,B` into two variants that differ from each other. */
export function parseVariants(text: string): { A: Variant; B: Variant } {
  const parts = text.split(',');
  if (parts.length !== 2)
    throw new ConfigError(`--ab takes two variants separated by a comma, got "${text}"`, { hint: 'e.g. --ab vxlan,udp or --ab mtu=1450,mtu=600' });
  const A = parseVariant(parts[0] as string);
  const B = parseVariant(parts[1] as string);
  if (A.backend === B.backend && A.mtu === B.mtu) {
    throw new ConfigError(`--ab ${text}: the two variants are the same testbed`, { hint: 'an A/B run compares two different backends or MTUs' });
  }
  return { A, B };
}

/** Splits a comma list, trimming and dropping empty items. */
function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** One ConfigError for bad bench options: the problem itself, or a list of them. */
export function badBenchOptions(problems: readonly string[], hint: string): ConfigError {
  return new ConfigError(problems.length === 1 ? (problems[0] as string) : `bad bench options:\n  - ${problems.join('\n  - ')}`, { hint });
}

/** Resolves the command line's suite options; one ConfigError listing every problem. */
export function planSuite(request: SuiteRequest): SuitePlan {
  const { plan, problems } = resolveSuite(request);
  if (!plan) throw badBenchOptions(problems, 'pnpm bench --help lists the options');
  return plan;
}

/** The suite the command line's options ask for, or every problem with them. */
export function resolveSuite(request: SuiteRequest): { plan: SuitePlan | null; problems: string[] } {
  const problems: string[] = [];
  const kinds = request.paths === undefined ? [...PATH_KINDS] : list(request.paths);
  for (const k of kinds) if (!(PATH_KINDS as readonly string[]).includes(k)) problems.push(`unknown path "${k}" (paths are ${PATH_KINDS.join(', ')})`);
  if (kinds.length === 0) problems.push('--paths names no path');
  const probes = request.probes === undefined ? [...PROBES] : list(request.probes);
  for (const p of probes) if (!(PROBES as readonly string[]).includes(p)) problems.push(`unknown probe "${p}" (probes are ${PROBES.join(', ')})`);
  if (probes.length === 0) problems.push('--probes names no probe');
  const backendsGiven = [...new Set(request.backends ?? [])];
  for (const b of backendsGiven)
    if (!(BACKENDS as readonly string[]).includes(b)) problems.push(`unknown flannel backend "${b}" (backends are ${BACKENDS.join(', ')})`);
  let variants: SuitePlan['variants'] = null;
  if (request.ab !== undefined) {
    try {
      variants = parseVariants(request.ab);
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (backendsGiven.length > 1) problems.push('an A/B run takes at most one --backend (the backend of variants that name none)');
    if (!kinds.includes('overlay')) problems.push('the A/B variants change the overlay, so --paths must include overlay');
  }
  if (problems.length > 0) return { plan: null, problems };
  const backends = (backendsGiven.length > 0 ? backendsGiven : [DEFAULT_BACKEND]) as Backend[];
  const ordered = PATH_KINDS.filter((k) => kinds.includes(k));
  const paths = ordered.flatMap((k) => (k === 'overlay' && variants === null && backends.length > 1 ? backends.map((b) => overlayPathName(b)) : [k]));
  return { plan: { paths, probes: PROBES.filter((p) => probes.includes(p)), backends, variants }, problems };
}

/** Name of the overlay path over one backend when several are measured in one run. */
export function overlayPathName(backend: Backend): string {
  return `overlay-${backend}`;
}

/** The kind of a path name. */
export function pathKind(path: string): PathKind {
  if (path === 'overlay' || path.startsWith('overlay-')) return 'overlay';
  if ((PATH_KINDS as readonly string[]).includes(path)) return path as PathKind;
  throw new RangeError(`not a bench path: ${path}`);
}

/**
 * The overlay configuration a path × arm needs: its backend and its containers' MTU; null for
 * paths that do not go over flannel.
 */
export function overlayNeeds(plan: SuitePlan, path: string, arm: Arm | null): { backend: Backend; mtu: number | null } | null {
  if (pathKind(path) !== 'overlay') return null;
  const runBackend = plan.backends[0] as Backend;
  if (plan.variants && arm) {
    const v = plan.variants[arm];
    return { backend: v.backend ?? runBackend, mtu: v.mtu };
  }
  const named = BACKENDS.find((b) => path === overlayPathName(b));
  return { backend: named ?? runBackend, mtu: null };
}

/** Backends the plan needs, in first-use order. */
export function backendsNeeded(plan: SuitePlan): Backend[] {
  const out = new Set<Backend>();
  for (const path of plan.paths) {
    const arms: (Arm | null)[] = plan.variants ? ['A', 'B'] : [null];
    for (const arm of arms) {
      const need = overlayNeeds(plan, path, arm);
      if (need) out.add(need.backend);
    }
  }
  return [...out];
}

/** The problems of probe settings iperf3, ping and the request-response client would reject or misread. */
export function probeSettingsProblems(s: ProbeSettings): string[] {
  const problems: string[] = [];
  // iperf3 parses -t and -O with atoi: fractions are cut, and -t 0 runs forever.
  for (const [probe, v] of [
    ['tcp', s.tcp],
    ['udp', s.udp],
  ] as const) {
    if (!(Number.isInteger(v.durationS) && v.durationS >= 1))
      problems.push(`${probe}.durationS must be a whole number of seconds ≥ 1 (iperf3 -t), got ${v.durationS}`);
    if (!(Number.isInteger(v.omitS) && v.omitS >= 0)) problems.push(`${probe}.omitS must be a whole number of seconds ≥ 0 (iperf3 -O), got ${v.omitS}`);
  }
  if (!(Number.isInteger(s.tcp.streams) && s.tcp.streams >= 1)) problems.push(`tcp.streams must be an integer ≥ 1, got ${s.tcp.streams}`);
  if (!/^\d+(\.\d+)?[KMG]?$/.test(s.udp.bitrate)) problems.push(`udp.bitrate must be an iperf3 rate such as 300M, got "${s.udp.bitrate}"`);
  if (!(s.ping.count > s.ping.skipFirst)) problems.push(`ping.count (${s.ping.count}) must exceed ping.skipFirst (${s.ping.skipFirst})`);
  if (!(s.ping.intervalS >= 0.002)) problems.push(`ping.intervalS must be ≥ 0.002 s, got ${s.ping.intervalS}`);
  if (!(s.rr.iterations >= 1000)) problems.push(`rr.iterations must be ≥ 1000 (p99 needs ≥ 10 tail samples), got ${s.rr.iterations}`);
  return problems;
}
