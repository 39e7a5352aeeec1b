/**
 * `pnpm scenario <name>|all [--provider …] [--keep] [--json] [--backend …]` and `--list`:
 * brings the lab up (or reuses it), runs the scenario(s) with a live transcript, and tears
 * the lab down unless --keep. Everything the user typed is checked before a host is touched.
 */

import { SCENARIOS, type ScenarioEntry } from '../../scenarios/index.ts';
import { ConfigError } from '../errors.ts';
import { type Lab, openLab } from '../lab.ts';
import { consoleSink, createProgress } from '../progress.ts';
import { withLabLock } from '../providers/lab-lock.ts';
import { createProvider, parseProviderKind } from '../providers/registry.ts';
import type { ScenarioDefinition, ScenarioParams } from '../scenario/define.ts';
import type { ScenarioReport } from '../scenario/report.ts';
import { clearScenarioMark, leftScenarioMark, markScenarioRunning } from '../scenario/run-mark.ts';
import { type RunObserver, runScenario } from '../scenario/runner.ts';
import {
  renderCheck,
  renderCommandOutput,
  renderCommandStart,
  renderNote,
  renderScenarioHeader,
  renderStepEnd,
  renderStepHeader,
  renderSummary,
  renderSummaryTable,
} from '../scenario/transcript.ts';
import { renderTable } from '../text-table.ts';
import { parseFlags } from './args.ts';
import { resolveSpec } from './lab-spec.ts';

const USAGE = `usage: pnpm scenario <name>|all [--provider local|libvirt|ssh] [--keep] [--json] [--backend udp|vxlan|host-gw]
                     [--flanneld PATH|URL] [--name LAB] [--subnet CIDR] [--hosts N | --spec FILE] [--inventory FILE] [--set KEY=VALUE …]
       pnpm scenario --list`;

const FLAGS = {
  list: { type: 'boolean' },
  provider: { type: 'string' },
  keep: { type: 'boolean' },
  json: { type: 'boolean' },
  backend: { type: 'string' },
  flanneld: { type: 'string' },
  name: { type: 'string' },
  subnet: { type: 'string' },
  spec: { type: 'string' },
  hosts: { type: 'string' },
  inventory: { type: 'string' },
  set: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

const BACKENDS = ['udp', 'vxlan', 'host-gw'] as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, USAGE);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.list) {
    process.stdout.write(await renderList());
    return 0;
  }
  const [target, ...extra] = positionals;
  if (!target) throw new ConfigError('which scenario?', { hint: 'pnpm scenario --list shows them; pnpm scenario all runs every one' });
  if (extra.length > 0) throw new ConfigError(`unexpected arguments: ${extra.join(' ')}`, { hint: USAGE.split('\n')[0] });
  const entries = target === 'all' ? [...SCENARIOS] : [findScenario(target)];
  const params = parseParams(values);

  const provider = await createProvider(parseProviderKind(values.provider), { inventoryFile: values.inventory });
  const json = Boolean(values.json);
  const progress = createProgress(json ? undefined : consoleSink());
  const spec = await resolveSpec(values, provider, (text) => progress.note(text));
  const scenarios: ScenarioDefinition[] = [];
  for (const e of entries) {
    const s = await e.load();
    s.validate?.(params, spec.subnet);
    scenarios.push(s);
  }

  // The lab is this run's from up to down: another command on it waits (lab-lock.ts).
  return withLabLock(spec.name, async () => {
    await provider.preflight(spec);
    const killed = leftScenarioMark(spec.name);
    if (killed)
      progress.note(
        `lab "${spec.name}" was left half-way through \`${killed.command}\`${killed.pid ? ` (pid ${killed.pid})` : ''}, which was killed: recreating it so that this run starts from clean hosts`,
      );
    const inventory = await provider.up(spec, progress, { recreate: killed !== undefined });
    markScenarioRunning(spec.name);
    const reports: ScenarioReport[] = [];
    let lab: Lab | undefined;
    try {
      // Opening reads every host's OS and refuses a contradicting label before any step runs.
      lab = await openLab(inventory);
      for (const [i, s] of scenarios.entries()) {
        // A scenario cleans up only where the lab outlives it: between the scenarios of `all`, and
        // after the last one with --keep. A single scenario with --keep leaves what it built for
        // the user to explore; without --keep the lab goes down anyway.
        const cleanup = scenarios.length > 1 && (i < scenarios.length - 1 || Boolean(values.keep));
        reports.push(await runScenario(s, lab, params, json ? {} : terminalObserver(), { cleanup }));
        if (!json) process.stdout.write(renderSummary(reports.at(-1)!));
      }
    } finally {
      await lab?.close();
      clearScenarioMark(spec.name);
      if (!values.keep) await provider.down(spec.name, progress);
    }
    if (json) process.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : { scenarios: reports }, null, 2)}\n`);
    else if (reports.length > 1) process.stdout.write(`\n${renderSummaryTable(reports)}`);
    return reports.every((r) => r.verdict !== 'FAIL') ? 0 : 1;
  });
}

function findScenario(name: string): ScenarioEntry {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new ConfigError(`unknown scenario "${name}"`, { hint: `scenarios are: ${SCENARIOS.map((s) => s.name).join(', ')} (or all)` });
  return found;
}

function parseParams(values: { backend?: string; flanneld?: string; set?: string[] }): ScenarioParams {
  if (values.backend !== undefined && !(BACKENDS as readonly string[]).includes(values.backend)) {
    throw new ConfigError(`unknown flannel backend "${values.backend}"`, { hint: `backends are ${BACKENDS.join(', ')}` });
  }
  const overrides: Record<string, string> = {};
  for (const kv of values.set ?? []) {
    const m = /^([A-Za-z][\w.-]*)=(.*)$/.exec(kv);
    if (!m) throw new ConfigError(`--set ${kv} is not KEY=VALUE`, { hint: 'e.g. --set network=10.40.0.0/16' });
    overrides[m[1]!] = m[2]!;
  }
  return {
    ...(values.backend ? { backend: values.backend as ScenarioParams['backend'] } : {}),
    ...(values.flanneld ? { flanneld: values.flanneld } : {}),
    overrides,
  };
}

async function renderList(): Promise<string> {
  const rows = [['SCENARIO', 'SECTION', 'WHAT IT SHOWS']];
  for (const e of SCENARIOS) rows.push([e.name, `§${e.section}`, (await e.load()).summary]);
  return renderTable(rows);
}

/** Prints the run as it happens, in the document's style. */
function terminalObserver(): RunObserver {
  const out = process.stdout;
  return {
    onScenarioStart: (h) => out.write(renderScenarioHeader(h)),
    onStepStart: (i, n, title) => out.write(renderStepHeader(i, n, title)),
    onCommandStart: (host, command) => out.write(renderCommandStart(host, command)),
    onCommandEnd: (c) => out.write(renderCommandOutput(c)),
    onNote: (t) => out.write(renderNote(t)),
    onCheck: (c) => out.write(renderCheck(c)),
    onStepEnd: (s) => out.write(renderStepEnd(s)),
  };
}
