/**
 * The full-mesh connectivity check: a container on each host pings the containers on every
 * other host. Each source host pings all its targets side by side in one `docker exec` (so N
 * hosts cost N execs, not N×(N−1)), and the hosts run side by side too. Every ping's output is
 * kept in the step's command records (and `--json`); the transcript shows a matrix instead.
 */

import type { Host } from '../../host.ts';
import { parsePing } from '../../parsers/ping.ts';
import type { StepContext } from '../define.ts';
import { describePing, type PingOutcome, pingOutcome } from './ping-outcome.ts';

/** A host and the address of its container on the overlay. */
export interface MeshEndpoint {
  host: Host;
  address: string;
}

/** One ordered pair's ping. */
export interface MeshCell {
  from: string;
  to: string;
  outcome: PingOutcome;
  ok: boolean;
  /** ping's own average round trip, when replies came back. */
  rttMs?: number;
}

const PING = ['ping', '-c', '3', '-W', '2'] as const;
const HEADER = '### ping ';

/**
 * The shell a source container runs: one ping per target in the background, then each one's
 * output under a header naming its target, followed by its exit code. Pure.
 */
export function meshPingScript(targets: readonly string[]): string {
  const list = targets.join(' ');
  const out = (ip: string) => `/tmp/labbench-mesh.${ip}`;
  return [
    `for ip in ${list}; do (${PING.join(' ')} "$ip" > ${out('$ip')} 2>&1; echo "exit $?" >> ${out('$ip')}) & done; wait`,
    `for ip in ${list}; do echo "${HEADER}$ip"; cat ${out('$ip')}; rm -f ${out('$ip')}; done`,
  ].join('; ');
}

/** Splits what meshPingScript printed into each target's ping output. Pure. */
export function splitMeshOutput(stdout: string): Map<string, string> {
  const byTarget = new Map<string, string>();
  for (const part of stdout.split(new RegExp(`^${HEADER}`, 'm')).slice(1)) {
    const newline = part.indexOf('\n');
    const target = (newline < 0 ? part : part.slice(0, newline)).trim();
    byTarget.set(target, newline < 0 ? '' : part.slice(newline + 1).replace(/^exit \d+\n?$/m, ''));
  }
  return byTarget;
}

/** Reads one target's ping output into a cell. Pure. */
export function meshCell(from: string, to: string, address: string, output: string | undefined): MeshCell {
  const outcome =
    output === undefined
      ? { target: address, transmitted: 0, received: 0, error: 'no output (the source container did not run the ping)' }
      : pingOutcome(address, output, '');
  const ok = outcome.received > 0;
  const rttMs = ok ? parsePing(output!).summary?.avgMs : undefined;
  return { from, to, outcome, ok, ...(rttMs !== undefined ? { rttMs } : {}) };
}

/** Every ordered pair of distinct endpoints, source-major. */
export function allPairs<T>(endpoints: readonly T[]): (readonly [T, T])[] {
  return endpoints.flatMap((from) => endpoints.filter((to) => to !== from).map((to) => [from, to] as const));
}

/**
 * Pings each pair from `container` on the source host to the target's address, all sources side
 * by side; resolves with the cells in source-major order. Failed pings are cells, not errors.
 */
export async function pingMesh(
  ctx: StepContext,
  container: string,
  endpoints: readonly MeshEndpoint[],
  pairs: readonly (readonly [MeshEndpoint, MeshEndpoint])[] = allPairs(endpoints),
): Promise<MeshCell[]> {
  const sources = endpoints.filter((e) => pairs.some(([from]) => from === e));
  const perSource = await ctx.onEachHost(
    sources.map((s) => s.host),
    async (host) => {
      const targets = pairs.filter(([from]) => from.host === host).map(([, to]) => to);
      const r = await host.$({ nothrow: true, timeoutMs: 60_000 })`docker exec ${container} sh -c ${meshPingScript(targets.map((t) => t.address))}`;
      const outputs = splitMeshOutput(r.stdout);
      return targets.map((to) => meshCell(host.name, to.host.name, to.address, outputs.get(to.address)));
    },
    { summarised: true },
  );
  return perSource.flat();
}

/** "30/30 pairs answer" or "28/30 pairs answer; no reply: hostA → hostC, hostC → hostA". Pure. */
export function describeMesh(cells: readonly MeshCell[]): string {
  const failed = cells.filter((c) => !c.ok);
  const head = `${cells.length - failed.length}/${cells.length} pairs answer`;
  return failed.length === 0 ? head : `${head}; no reply: ${failed.map((c) => `${c.from} → ${c.to} (${describePing(c.outcome)})`).join(', ')}`;
}

/**
 * The mesh as a matrix, sources down, targets across: ✓ with ping's average RTT, ✗ without a
 * reply, · on the diagonal, blank where a pair was not pinged. Pure.
 */
export function renderMeshMatrix(hosts: readonly string[], cells: readonly MeshCell[]): string {
  const cell = (from: string, to: string): string => {
    if (from === to) return '·';
    const c = cells.find((x) => x.from === from && x.to === to);
    if (!c) return '';
    return c.ok ? `✓ ${c.rttMs !== undefined ? `${c.rttMs.toFixed(2)}ms` : ''}`.trimEnd() : '✗';
  };
  const rows = [['from \\ to', ...hosts], ...hosts.map((from) => [from, ...hosts.map((to) => cell(from, to))])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
