/**
 * `pnpm course list | start | check | status | hint | solve | reset | serve`: a student does each step
 * of a chapter by hand with the document's commands and the lab grades it. Thin: the work is in
 * src/course/.
 */

import { startFromFile } from '../course/from-file.ts';
import {
  checkStep,
  type Exercise,
  findExercise,
  hintFor,
  listExercises,
  readProgress,
  renderCheck,
  renderExerciseList,
  renderStatus,
  renderTask,
  requireProgress,
  resetExercise,
  shellCommands,
  solveStep,
  startExercise,
  startFromSnapshot,
  stepOf,
} from '../course/index.ts';
import { courseBackend } from '../course/serve/course-adapter.ts';
import { ConfigError } from '../errors.ts';
import { type Lab, openLab } from '../lab.ts';
import { consoleSink, createProgress } from '../progress.ts';
import { assertLabNotBusy, withLabLock } from '../providers/lab-lock.ts';
import type { Provider } from '../providers/provider.ts';
import { createProvider, parseProviderKind } from '../providers/registry.ts';
import type { RunObserver } from '../scenario/runner.ts';
import { renderCommandOutput, renderCommandStart, renderStepHeader } from '../scenario/transcript.ts';
import type { TestbedSpec } from '../testbed/testbed.ts';
import { parseFlags } from './args.ts';
import { runServe } from './course-serve.ts';
import { snapshotsOf } from './lab-snapshot.ts';
import { LAB_FLAGS, type LabFlags, labName, specFromFlags } from './lab-spec.ts';

const USAGE = `usage: pnpm course list
       pnpm course start <exercise> [--at N] [--from FILE] [--name LAB] [--subnet CIDR] [--spec FILE] [--provider local|libvirt|ssh]
       pnpm course check [--step N] [--json] [--name LAB]
       pnpm course status|hint|reset [--name LAB]
       pnpm course solve [--step N] [--name LAB]
       pnpm course serve [--name LAB] [--port P] [--host ADDRESS]
       pnpm course serve --class ROSTER [--exercise NAME] [--at N] [--prefix P] [--subnets CIDR] [--port P] [--down]`;

const FLAGS = {
  at: { type: 'string' },
  from: { type: 'string' },
  step: { type: 'string' },
  ...LAB_FLAGS,
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  // serve has flags of its own (course-serve.ts).
  if (argv[0] === 'serve') return runServe(argv.slice(1), courseBackend);
  const { values, positionals } = parseFlags(argv, FLAGS, USAGE);
  const [sub, ...args] = positionals;
  if (values.help || !sub) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const out = process.stdout;
  if (sub === 'list') {
    out.write(renderExerciseList(await listExercises()));
    return 0;
  }
  const provider = await createProvider(parseProviderKind(values.provider), { inventoryFile: values.inventory });
  const name = labName(values, provider);
  if (sub === 'start') {
    const [exerciseName, ...extra] = args;
    if (!exerciseName) throw new ConfigError('which exercise?', { hint: 'pnpm course list shows them' });
    if (extra.length > 0) throw new ConfigError(`unexpected arguments: ${extra.join(' ')}`, { hint: USAGE.split('\n')[1] });
    const exercise = await findExercise(exerciseName);
    if (values.from) return startFrom(provider, name, exercise, values.from, values);
    const at = stepNumber(values.at, '--at') ?? 1;
    stepOf(exercise, at);
    // A lab that is up is used as it is (its own subnet), unless --subnet asks for a particular one.
    const spec = specFromFlags(values, provider);
    // Holds the lab from up to the last solved step: another command on it waits (lab-lock.ts).
    return withLabLock(spec.name, async () => {
      const running = values.subnet ? undefined : await provider.inventory(name);
      if (!running) await provider.preflight(spec);
      const inventory = running ?? (await provider.up(spec, createProgress(consoleSink())));
      return withLab(await openLab(inventory), async (lab) => {
        if (at > 1) out.write(`Solving steps 1–${at - 1} with the document's commands …\n`);
        await startExercise(lab, exercise, at, { observer: transcript() });
        out.write(`\n${renderTask(exercise, at, shellCommands(lab, exercise.steps[at - 1]!.on))}`);
        return 0;
      });
    });
  }
  if (args.length > 0) throw new ConfigError(`unexpected arguments: ${args.join(' ')}`, { hint: USAGE });
  switch (sub) {
    case 'status': {
      const progress = requireProgress(name);
      out.write(renderStatus(await findExercise(progress.exercise), progress));
      return 0;
    }
    case 'hint': {
      const progress = requireProgress(name);
      const exercise = await findExercise(progress.exercise);
      const step = stepNumber(values.step, '--step') ?? progress.step;
      const failed = progress.steps[String(step)]?.failed ?? [];
      out.write(`${exercise.name} — step ${step}: ${stepOf(exercise, step).summary}\n  hint: ${hintFor(exercise, step).join('\n  hint: ')}\n`);
      if (failed.length > 0) out.write(`  the last check failed on: ${failed.join('; ')}\n`);
      return 0;
    }
    case 'check':
    case 'solve':
    case 'reset': {
      const progress = requireProgress(name);
      const exercise = await findExercise(progress.exercise);
      const step = stepNumber(values.step, '--step') ?? progress.step;
      stepOf(exercise, step);
      // A check only reads the lab; solve and reset change it and hold its lock.
      if (sub === 'check') assertLabNotBusy(name);
      const holding = sub === 'check' ? <T>(fn: () => Promise<T>) => fn() : <T>(fn: () => Promise<T>) => withLabLock(name, fn);
      if (sub === 'reset' && progress.fromSnapshot) {
        const from = progress.fromSnapshot;
        return holding(async () => {
          await snapshotsOf(provider).restore(name, from, createProgress(consoleSink()));
          return withLab(await openRunningLab(provider, name), async (lab) => {
            const p = await startFromSnapshot(lab, exercise, progress.startedAt, from);
            out.write(
              `\n${exercise.name} is back at snapshot "${p.fromSnapshot}"\n${renderTask(exercise, p.step, shellCommands(lab, exercise.steps[p.step - 1]!.on))}`,
            );
            return 0;
          });
        });
      }
      return holding(async () =>
        withLab(await openRunningLab(provider, name), async (lab) => {
          if (sub === 'reset') {
            const p = await resetExercise(lab, exercise, { observer: transcript() });
            out.write(`\n${renderTask(exercise, p.step, shellCommands(lab, exercise.steps[p.step - 1]!.on))}`);
            return 0;
          }
          const result = sub === 'check' ? await checkStep(lab, exercise, step) : await solveStep(lab, exercise, step, { observer: transcript() });
          if (values.json) out.write(`${JSON.stringify(result, null, 2)}\n`);
          else out.write(renderCheck(result) + nextLine(lab, exercise, name, result.passed));
          return result.passed ? 0 : 1;
        }),
      );
    }
    default:
      throw new ConfigError(`unknown course command "${sub}"`, { hint: USAGE.split('\n')[0] });
  }
}

/**
 * `course start <exercise> --from FILE`: the lab (brought up when it is not) is put in the state
 * a snapshot file holds, and the exercise starts there: at --at, else at the step the snapshot
 * was saved on during this exercise, else at step 1. Nothing is solved. The file is read whole
 * and checked (and its lab shape compared) before anything is created or changed.
 */
async function startFrom(provider: Provider, name: string, exercise: Exercise, file: string, flags: LabFlags & { at?: string }): Promise<number> {
  const running = flags.subnet ? undefined : await provider.inventory(name);
  const spec: TestbedSpec = running
    ? { name, subnet: running.subnet, hosts: running.hosts.map((h) => ({ name: h.name, address: h.address, os: h.os, roles: h.roles })) }
    : specFromFlags(flags, provider);
  const started = await startFromFile({
    provider,
    snapshots: snapshotsOf(provider),
    spec,
    running: running !== undefined,
    exercise,
    file,
    at: stepNumber(flags.at, '--at'),
    progress: createProgress(consoleSink()),
  });
  const { imported, at } = started;
  return withLab(await openLab(started.inventory), async (lab) => {
    process.stdout.write(
      `\nlab "${name}" is the lab of ${file} (snapshot "${imported.name}", saved ${imported.savedAt} from lab "${imported.lab.name}")\n${renderTask(exercise, at, shellCommands(lab, exercise.steps[at - 1]!.on))}`,
    );
    return 0;
  });
}

function stepNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) throw new ConfigError(`${flag} ${text} is not a step number`, { hint: `e.g. ${flag} 2` });
  return n;
}

async function openRunningLab(provider: Provider, name: string): Promise<Lab> {
  const inventory = await provider.inventory(name);
  if (!inventory) throw new ConfigError(`lab "${name}" is not up`, { hint: 'start an exercise on it: pnpm course start <exercise>' });
  return openLab(inventory);
}

async function withLab<T>(lab: Lab, fn: (lab: Lab) => Promise<T>): Promise<T> {
  try {
    return await fn(lab);
  } finally {
    await lab.close();
  }
}

/** After a check: the next step's task when this one passed. */
function nextLine(lab: Lab, exercise: Exercise, name: string, passed: boolean): string {
  if (!passed) return '  (pnpm course hint for help)\n';
  const progress = readProgress(name);
  if (!progress || progress.exercise !== exercise.name) return '';
  const last = progress.steps[String(exercise.steps.length)]?.passed;
  if (last) return `\n${exercise.name}: every step passes.\n`;
  return `\n${renderTask(exercise, progress.step, shellCommands(lab, exercise.steps[progress.step - 1]!.on))}`;
}

/** The reference commands as they run. */
function transcript(): RunObserver {
  const out = process.stdout;
  return {
    onStepStart: (i, n, title) => out.write(renderStepHeader(i, n, title)),
    onCommandStart: (host, command) => out.write(renderCommandStart(host, command)),
    onCommandEnd: (c) => out.write(renderCommandOutput(c)),
    onNote: (t) => out.write(`   · ${t}\n`),
  };
}
