/**
 * Runs a scenario's steps in order on an open lab, recording every command a host runs during
 * a step, every check, and a verdict per step. After a failed step the rest are skipped; the
 * scenario's cleanup runs whether steps passed or not (unless the caller keeps the lab as is).
 */
import { CommandError, LabbenchError } from '../errors.ts';
import type { CommandObserver, Host } from '../host.ts';
import type { Lab } from '../lab.ts';
import { type EventSink, runInBlocks, sinkFor } from './blocks.ts';
import type { ScenarioDefinition, ScenarioParams, StepContext } from './define.ts';
import { StepSkipped } from './define.ts';
import type { CheckRecord, CommandRecord } from './records.ts';
import { type ScenarioReport, type StepReport, scenarioVerdict, stepVerdict } from './report.ts';

/** Live view of a run (the terminal transcript); every method is optional. */
export interface RunObserver {
  onScenarioStart?(report: Pick<ScenarioReport, 'scenario' | 'section' | 'title' | 'lab' | 'provider' | 'hosts'>): void;
  onStepStart?(index: number, total: number, title: string): void;
  onCommandStart?(host: string, command: string): void;
  onCommandEnd?(record: CommandRecord): void;
  onNote?(text: string): void;
  onCheck?(check: CheckRecord): void;
  onStepEnd?(step: StepReport): void;
}

export async function runScenario(
  scenario: ScenarioDefinition,
  lab: Lab,
  params: ScenarioParams,
  observer: RunObserver = {},
  options: { cleanup?: boolean } = {},
): Promise<ScenarioReport> {
  const started = performance.now();
  const hosts = lab.hosts.map((h) => ({
    name: h.name,
    os: h.info.os,
    ...(lab.inventory.offers.standIn ? { standIn: true } : {}),
    machine: h.os.name,
    family: h.os.family,
  }));
  const head = { scenario: scenario.name, section: scenario.section, title: scenario.title, lab: lab.inventory.lab, provider: lab.inventory.provider, hosts };
  observer.onScenarioStart?.(head);
  const state = new Map<string, unknown>();
  const steps: StepReport[] = [];
  let failed = false;

  for (const [i, definition] of scenario.steps.entries()) {
    const index = i + 1;
    if (failed) {
      const skipped: StepReport = {
        index,
        title: definition.title,
        verdict: 'SKIPPED',
        reason: 'an earlier step failed',
        durationMs: 0,
        commands: [],
        checks: [],
        notes: [],
      };
      steps.push(skipped);
      continue;
    }
    observer.onStepStart?.(index, scenario.steps.length, definition.title);
    const record = await runStep(
      index,
      definition.title,
      async (ctx) => {
        await definition.solve(ctx);
        await definition.check?.(ctx);
      },
      lab,
      params,
      state,
      observer,
    );
    steps.push(record);
    observer.onStepEnd?.(record);
    if (record.verdict === 'FAIL') failed = true;
  }

  let cleanup: ScenarioReport['cleanup'];
  if (scenario.cleanup && options.cleanup !== false) {
    const record = await runStep(0, 'cleanup', (ctx) => scenario.cleanup!(ctx), lab, params, state, {});
    cleanup = record.verdict === 'FAIL' ? { ok: false, error: record.reason ?? 'a cleanup check failed' } : { ok: true };
  }
  return {
    ...head,
    params: { ...params },
    verdict: scenarioVerdict(steps, cleanup?.ok ?? true),
    durationMs: performance.now() - started,
    steps,
    ...(cleanup ? { cleanup } : {}),
  };
}

/** Runs one step body (solve, check or both) with a fresh recording context. */
export async function runStep(
  index: number,
  title: string,
  body: (ctx: StepContext) => Promise<void>,
  lab: Lab,
  params: ScenarioParams,
  state: Map<string, unknown>,
  observer: RunObserver,
): Promise<StepReport> {
  const started = performance.now();
  const commands: CommandRecord[] = [];
  const checks: CheckRecord[] = [];
  const notes: string[] = [];
  // A check read the hosts whose commands ran since the check before it (a check computed from
  // what an earlier one read names that one's hosts).
  const readSince = new Set<string>();
  let lastRead: string[] = [];
  // What the step records goes to the report and the live view as it happens, except inside
  // ctx.onEachHost, where it is held per host and passed on here in host order.
  const live: EventSink = {
    emit(event) {
      switch (event.kind) {
        case 'command-start':
          observer.onCommandStart?.(event.host, event.command);
          break;
        case 'command-end':
          commands.push(event.record);
          readSince.add(event.record.host);
          if (!event.record.summarised) observer.onCommandEnd?.(event.record);
          break;
        case 'note':
          notes.push(event.text);
          observer.onNote?.(event.text);
          break;
        case 'check':
          if (!event.check.hosts) {
            if (readSince.size > 0) lastRead = [...readSince];
            readSince.clear();
            if (lastRead.length > 0) event.check.hosts = lastRead;
          }
          checks.push(event.check);
          observer.onCheck?.(event.check);
          break;
      }
    },
  };
  const recorder: CommandObserver = {
    onStart: (host, command) => sinkFor(live).emit({ kind: 'command-start', host: host.name, command }),
    onEnd: (host, out) => {
      const record = { host: host.name, command: out.command, exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr, durationMs: out.durationMs };
      sinkFor(live).emit({ kind: 'command-end', record });
    },
  };
  const detach = lab.hosts.map((h) => h.observe(recorder));
  const ctx: StepContext = {
    lab,
    hosts: lab.hosts,
    host: (name) => lab.host(name),
    withRole: (role) => lab.hosts.filter((h: Host) => h.info.roles.includes(role)),
    params,
    state,
    check(label, ok, detail = {}) {
      const c: CheckRecord = { label, ok };
      if (detail.expected !== undefined) c.expected = show(detail.expected);
      if (detail.actual !== undefined) c.actual = show(detail.actual);
      if (detail.hint !== undefined) c.hint = detail.hint;
      sinkFor(live).emit({ kind: 'check', check: c });
      return ok;
    },
    expectEqual(label, actual, expected, hint) {
      return ctx.check(label, actual === expected, { expected, actual, ...(hint ? { hint } : {}) });
    },
    note(text) {
      sinkFor(live).emit({ kind: 'note', text });
    },
    onEachHost: (hosts, fn, options) => runInBlocks(live, hosts, fn, options),
    skip(reason): never {
      throw new StepSkipped(reason);
    },
  };
  let verdictOverride: 'SKIPPED' | undefined;
  let error: string | undefined;
  try {
    await body(ctx);
  } catch (err) {
    if (err instanceof StepSkipped) verdictOverride = 'SKIPPED';
    error = err instanceof StepSkipped ? err.reason : describe(err);
  } finally {
    for (const d of detach) d();
  }
  const verdict = verdictOverride ?? stepVerdict(checks, error);
  const failedCheck = checks.find((c) => !c.ok);
  const reason = error ?? (failedCheck ? `check failed: ${failedCheck.label}` : undefined);
  return { index, title, verdict, ...(reason ? { reason } : {}), durationMs: performance.now() - started, commands, checks, notes };
}

function describe(err: unknown): string {
  if (err instanceof CommandError) return err.message.split('\n')[0]!;
  if (err instanceof LabbenchError) return err.message + (err.hint ? ` (${err.hint})` : '');
  return err instanceof Error ? err.message : String(err);
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
