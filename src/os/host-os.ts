/**
 * A lab's hosts against their machines: a host's OS label must describe what its
 * /etc/os-release says, and the machine must run an OS labbench has a path for. The local
 * provider's hosts are the one documented exception to the first rule: Debian system containers
 * stand in for the document's Rocky and Ubuntu hosts. Pure: openLab feeds in what each host
 * said and throws the error built here; `lab status` shows the same facts side by side.
 */
import { ConfigError } from '../errors.ts';
import type { OsRelease } from './os-release.ts';
import { decideOs, describeRelease, type HostOs, labelDescribes, type OsFamily, osFamily, shortName, supportedSummary } from './releases.ts';

/** What the check needs to know about a host (an InventoryHost has it). */
export interface LabelledHost {
  name: string;
  /** The OS label, e.g. "rocky-8.10". */
  os: string;
  /** The machine stands in for the labelled OS (HostOffers.standIn): the label is not compared with it. */
  standIn?: boolean;
}

export type HostOsCheck =
  | { ok: true; os: HostOs }
  | { ok: false; host: string; kind: 'mismatch'; problem: string; label: string }
  | { ok: false; host: string; kind: 'unsupported'; problem: string };

export type HostOsFailure = Extract<HostOsCheck, { ok: false }>;

export function checkHostOs(host: LabelledHost, release: OsRelease): HostOsCheck {
  const decision = decideOs(release);
  if (!decision.ok) {
    return {
      ok: false,
      host: host.name,
      kind: 'unsupported',
      problem: `${host.name} (labelled ${host.os}) runs ${describeRelease(release)}: ${decision.problem}`,
    };
  }
  if (host.standIn || labelDescribes(host.os, release)) return { ok: true, os: decision.os };
  return {
    ok: false,
    host: host.name,
    kind: 'mismatch',
    label: decision.os.label,
    problem: `${host.name} is labelled ${host.os}, but the machine runs ${describeRelease(release)}`,
  };
}

/**
 * One error for every host whose machine contradicts its label or has no path; nothing has run on
 * them yet. `labelSource` is where the provider's labels come from (HostOffers.labelSource), so
 * that the hint says what to edit.
 */
export function hostOsError(lab: string, labelSource: string, failures: readonly HostOsFailure[]): ConfigError {
  const message =
    failures.length === 1
      ? failures[0]!.problem
      : `the hosts of lab "${lab}" are not what labbench can drive:\n  - ${failures.map((f) => f.problem).join('\n  - ')}`;
  const hints: string[] = [];
  const mismatched = failures.filter((f) => f.kind === 'mismatch');
  if (mismatched.length > 0) {
    hints.push(
      `a label must describe the machine, since each host is driven with its own OS family's commands: fix ${labelSource}: ` +
        mismatched.map((f) => `${f.host}: os: ${f.label}`).join(', '),
    );
  }
  const unsupported = failures.filter((f) => f.kind === 'unsupported');
  if (unsupported.length > 0) hints.push(`labbench has paths for ${supportedSummary()}; use such a machine for ${unsupported.map((f) => f.host).join(', ')}`);
  hints.push('no step was run on the hosts');
  return new ConfigError(message, { hint: hints.join('; ') });
}

/** A machine's OS as `lab status` shows it next to the label. */
export interface MachineOs {
  /** NAME and VERSION_ID, e.g. "Debian GNU/Linux 12". */
  name: string;
  prettyName: string;
  id: string;
  versionId: string;
  /** Its family; null for an OS of neither family. */
  family: OsFamily | null;
  /** Whether labbench has a path for it. */
  supported: boolean;
  /** Whether the host's label describes it (always false for a stand-in's document label). */
  matchesLabel: boolean;
}

export function machineOsOf(host: LabelledHost, release: OsRelease): MachineOs {
  return {
    name: shortName(release),
    prettyName: release.prettyName,
    id: release.id,
    versionId: release.versionId,
    family: osFamily(release) ?? null,
    supported: decideOs(release).ok,
    matchesLabel: labelDescribes(host.os, release),
  };
}

/** The label column: "rocky-8.10", or "rocky-8.10 (stand-in: Debian GNU/Linux 12)" where a machine stands in. */
export function describeLabel(label: string, standIn: boolean | undefined, machine: { name: string } | { error: string } | undefined): string {
  if (!standIn) return label;
  return machine && !('error' in machine) ? `${label} (stand-in: ${machine.name})` : `${label} (stand-in)`;
}

/** The machine column: "Debian GNU/Linux 12 (bookworm), debian family", flagged when it contradicts the label or has no path. */
export function describeMachine(host: LabelledHost, machine: MachineOs | { error: string } | undefined): string {
  if (!machine) return '-';
  if ('error' in machine) return `? (${machine.error})`;
  const family = machine.family ? `${machine.family} family` : 'no known family';
  const flag = !machine.supported ? ' — no path for this OS' : !host.standIn && !machine.matchesLabel ? ' — contradicts the label' : '';
  return `${machine.prettyName}, ${family}${flag}`;
}
