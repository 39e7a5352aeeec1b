/**
 * What changed between two nights, sorted by kind: the machine (kernel build, CPU, cores, the
 * machine's id), how the probes measured, the lab's configuration (flannel backend, MTUs), the
 * software (Docker, etcd, iperf3, the flannel agent, Node.js, the OS), labbench's own commit,
 * and the hosts' packages. A change point is attributed to what changed between the nights
 * around it; nothing recorded changing is an answer too.
 */
import type { NightRecord } from '../history/night.ts';
import { type FingerprintValue, MACHINE_FIELDS } from '../measure/fingerprint.ts';

/** The kinds of change, in the order they are named. */
export const CHANGE_KINDS = ['machine', 'method', 'configuration', 'software', 'labbench', 'packages'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One thing that changed (both sides known). */
export interface Change {
  kind: ChangeKind;
  field: string;
  before: string;
  after: string;
}

/** What changed between two nights, and what cannot be told because one side did not record it. */
export interface Attribution {
  from: string;
  to: string;
  changes: Change[];
  /** Fields known on one side only (e.g. the committed baseline records no commit). */
  unknown: string[];
}

const CONFIGURATION = /^(backend|mtu(\..*)?)$/;

/** The kind of a fingerprint field. */
export function fieldKind(field: string): ChangeKind {
  if (MACHINE_FIELDS.includes(field)) return 'machine';
  if (field.startsWith('probe.')) return 'method';
  if (CONFIGURATION.test(field)) return 'configuration';
  return 'software';
}

const show = (v: FingerprintValue | undefined): string | null => (v === null || v === undefined ? null : String(v));

/** What changed from night `a` to night `b`. */
export function attribute(a: NightRecord, b: NightRecord): Attribution {
  const changes: Change[] = [];
  const unknown: string[] = [];
  const compare = (kind: ChangeKind, field: string, before: string | null, after: string | null) => {
    if (before === after) return;
    if (before === null || after === null) unknown.push(field);
    else changes.push({ kind, field, before, after });
  };
  const fields = [...new Set([...Object.keys(a.fingerprint), ...Object.keys(b.fingerprint)])].sort();
  for (const field of fields) {
    // A field one night did not measure at all (a narrower night) says nothing about a change;
    // the machine's fields are always measured, so a missing one is unknown.
    if ((!(field in a.fingerprint) || !(field in b.fingerprint)) && fieldKind(field) !== 'machine') continue;
    compare(fieldKind(field), field, show(a.fingerprint[field]), show(b.fingerprint[field]));
  }
  compare('labbench', 'labbench', revision(a), revision(b));
  if (a.packages && b.packages) {
    for (const name of [...new Set([...Object.keys(a.packages), ...Object.keys(b.packages)])].sort()) {
      const before = a.packages[name] ?? '(absent)';
      const after = b.packages[name] ?? '(absent)';
      if (before !== after) changes.push({ kind: 'packages', field: name, before, after });
    }
  } else if (a.packages || b.packages) {
    unknown.push('packages');
  }
  changes.sort((x, y) => CHANGE_KINDS.indexOf(x.kind) - CHANGE_KINDS.indexOf(y.kind));
  return { from: a.id, to: b.id, changes, unknown };
}

function revision(n: NightRecord): string | null {
  if (n.labbench.commit === null) return null;
  return `${n.labbench.commit.slice(0, 12)}${n.labbench.dirty ? '+changes' : ''}`;
}

/** Whether the machine changed between the two nights. */
export function machineChanged(a: Attribution): boolean {
  return a.changes.some((c) => c.kind === 'machine');
}

/** Whether software, configuration or labbench changed (what a FAIL may be attributed to). */
export function softwareChanged(a: Attribution): boolean {
  return a.changes.some((c) => c.kind === 'software' || c.kind === 'configuration' || c.kind === 'labbench' || c.kind === 'packages');
}

/**
 * "kernel 6.18.44-fc-v669 → 6.18.44-fc-v1272; labbench 1a2b3c → 4d5e6f; 14 packages (docker.io
 * 20.10.24 → 24.0.7, …)", or "nothing recorded changed" (with what was not recorded).
 */
export function describeAttribution(a: Attribution, options: { packages?: number } = {}): string {
  const shown = options.packages ?? 3;
  const parts: string[] = [];
  for (const kind of CHANGE_KINDS) {
    const of = a.changes.filter((c) => c.kind === kind);
    if (of.length === 0) continue;
    if (kind === 'packages') {
      const list = of.slice(0, shown).map((c) => `${c.field} ${c.before} → ${c.after}`);
      parts.push(`${of.length} package${of.length === 1 ? '' : 's'} (${list.join(', ')}${of.length > shown ? ', …' : ''})`);
    } else {
      parts.push(of.map((c) => `${c.field} ${c.before} → ${c.after}`).join(', '));
    }
  }
  const unknown = a.unknown.length > 0 ? `; not recorded on both nights: ${a.unknown.join(', ')}` : '';
  return parts.length > 0 ? `${parts.join('; ')}${unknown}` : `nothing recorded changed${unknown}`;
}
