/**
 * Memory of a local lab's host containers, as their cgroups account it (`docker stats`: the
 * cgroup's memory.current less its inactive file cache, i.e. what the host really holds).
 */

import { dockerLines, LABEL } from '../../src/providers/local/docker-cli.ts';
import { readLabRecord } from '../../src/providers/local/lab-record.ts';
import { statePaths } from '../../src/providers/local/paths.ts';

const UNITS: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** Bytes in docker stats' "61.2MiB / 23.5GiB" (the usage, before the slash). Pure. */
export function parseMemUsage(text: string): number {
  const m = /^\s*([\d.]+)\s*([A-Za-z]+)\s*\//.exec(text);
  const unit = m ? UNITS[m[2]!] : undefined;
  if (!m || unit === undefined) throw new Error(`cannot read docker stats memory "${text}"`);
  return Number(m[1]) * unit;
}

/** Each host container's memory in bytes, by host name. */
export async function hostMemory(lab: string): Promise<Map<string, number>> {
  const record = readLabRecord(statePaths().lab(lab), lab);
  if (!record) throw new Error(`lab "${lab}" has no record: is it up?`);
  const engine = record.engine;
  const names = await dockerLines(engine, ['ps', '--filter', `label=${LABEL.lab}=${lab}`, '--format', `{{.Names}}\t{{.Label "${LABEL.host}"}}`]);
  const hostOf = new Map(names.map((l) => l.split('\t') as [string, string]));
  const stats = await dockerLines(engine, ['stats', '--no-stream', '--format', '{{.Name}}\t{{.MemUsage}}', ...hostOf.keys()]);
  return new Map(
    stats.map((l) => {
      const [container = '', usage = ''] = l.split('\t');
      return [hostOf.get(container) ?? container, parseMemUsage(usage)];
    }),
  );
}
