/**
 * `pnpm course serve --class ROSTER`: one server for a class. Plans each student's lab from the
 * roster, brings the labs up side by side (a line per lab), then listens and prints the
 * teacher's URL and one URL per student, which it also writes (mode 0600) to the URLs file.
 * `--down` takes the class's labs down instead. The labs stay up when the server stops, so a
 * restarted server finds every student's work (and hands out the same URLs).
 */
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { bringUpClass, type FromSnapshot } from '../course/class/bring-up.ts';
import { createClassroom } from '../course/class/classroom.ts';
import { parseRoster, planClass, type StudentPlan } from '../course/class/roster.ts';
import { DEFAULT_STUCK_RULE } from '../course/class/status.ts';
import { classTokens, classTokensFile } from '../course/class/tokens.ts';
import { startFromFile } from '../course/from-file.ts';
import { findExercise, stepOf } from '../course/index.ts';
import { isLoopback } from '../course/serve/access.ts';
import type { CourseBackend } from '../course/serve/course-backend.ts';
import { createDesk, type Desk } from '../course/serve/desk.ts';
import { type LabConnection, labConnection } from '../course/serve/lab-connection.ts';
import { buildClient, buildDashboard, renderDashboard, renderPage } from '../course/serve/page.ts';
import { type Seat, startServer } from '../course/serve/server.ts';
import { ConfigError } from '../errors.ts';
import { settleBounded } from '../pool.ts';
import { createProgress } from '../progress.ts';
import { ensureInotifyRoom } from '../providers/local/inotify.ts';
import type { Provider } from '../providers/provider.ts';
import { createProvider } from '../providers/registry.ts';
import { documentSpec } from '../testbed/testbed.ts';
import { snapshotsOf } from './lab-snapshot.ts';

export interface ClassFlags {
  class: string;
  exercise?: string;
  at?: string;
  /** A snapshot file every student starts from (`lab snapshot export`), instead of solving the steps before theirs. */
  from?: string;
  prefix?: string;
  subnets?: string;
  parallel?: string;
  urls?: string;
  'stuck-checks'?: string;
  'stuck-minutes'?: string;
  down?: boolean;
}

export const CLASS_USAGE =
  'usage: pnpm course serve --class ROSTER [--exercise NAME] [--at N] [--from FILE] [--prefix P] [--subnets CIDR] [--parallel N] [--urls FILE] [--stuck-checks N] [--stuck-minutes M] [--port P] [--host ADDRESS]\n' +
  '       pnpm course serve --class ROSTER [--prefix P] --down';

const DEFAULT_PARALLEL = 4;

function positive(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(text)) throw new ConfigError(`${flag} ${text} is not a positive whole number`, { hint: CLASS_USAGE.split('\n')[0] });
  return Number(text);
}

/** The roster's students planned onto labs (nothing is created). */
export async function planFromFlags(flags: ClassFlags, provider: Provider): Promise<{ prefix: string; plans: StudentPlan[] }> {
  let text: string;
  try {
    text = readFileSync(flags.class, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the roster ${flags.class}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      hint: 'give a file with one student name a line',
    });
  }
  const roster = parseRoster(text, flags.class);
  const existing = ((await provider.list?.()) ?? []).map((l) => ({ name: l.name, subnet: l.subnet }));
  const prefix = flags.prefix ?? defaultPrefix(flags.class);
  const plans = planClass(
    roster,
    {
      prefix,
      ...(flags.exercise ? { exercise: flags.exercise } : {}),
      ...(flags.at ? { at: positive(flags.at, '--at', 1) } : {}),
      ...(flags.from && !flags.down ? { from: flags.from } : {}),
      ...(flags.subnets ? { subnets: flags.subnets } : {}),
      ...(flags.down ? { anyExercise: true } : {}),
    },
    existing,
  );
  // Every exercise and start step exists, before any lab is touched.
  if (!flags.down) for (const p of plans) stepOf(await findExercise(p.exercise), p.at);
  return { prefix, plans };
}

/** Starts a student's lab from their plan's snapshot file (`course start --from`, one lab per student). */
function fromFile(atGiven: boolean): FromSnapshot {
  return async (plan, provider) => {
    const running = await provider.inventory(plan.lab);
    const spec = running
      ? { name: plan.lab, subnet: running.subnet, hosts: running.hosts.map((h) => ({ name: h.name, address: h.address, os: h.os, roles: h.roles })) }
      : documentSpec({ name: plan.lab, subnet: plan.subnet });
    await startFromFile({
      provider,
      snapshots: snapshotsOf(provider),
      spec,
      running: running !== undefined,
      exercise: await findExercise(plan.exercise),
      file: plan.from as string,
      at: atGiven ? plan.at : undefined,
      progress: createProgress(),
    });
  };
}

/** `roster.txt` → `roster`: the class's lab names are roster-alice, roster-bob, … unless --prefix says otherwise. */
function defaultPrefix(file: string): string {
  const base = basename(file, extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '');
  return base.slice(0, 12) || 'class';
}

export async function runClass(
  flags: ClassFlags,
  server: { bind: string; port: number },
  course: (lab: string, connection: LabConnection) => CourseBackend,
  fromSnapshot?: FromSnapshot,
): Promise<number> {
  // A class is local labs; their up, down and snapshot restores hold each lab's lock, as every command's do.
  const provider = await createProvider('local');
  const { prefix, plans } = await planFromFlags(flags, provider);
  const out = process.stdout;
  // Every student from one file: read whole and checked once, before any lab is touched.
  if (flags.from && !flags.down) {
    await snapshotsOf(provider).checkFile(flags.from);
    fromSnapshot ??= fromFile(flags.at !== undefined);
  }
  if (flags.down) {
    for (const p of plans) {
      await provider.down(p.lab, createProgress());
      out.write(` ✓ ${p.student}: lab ${p.lab} down\n`);
    }
    // The class is over: its URLs open nothing any more.
    rmSync(classTokensFile(prefix), { force: true });
    return 0;
  }
  const rule = {
    failedChecks: positive(flags['stuck-checks'], '--stuck-checks', DEFAULT_STUCK_RULE.failedChecks),
    quietMinutes: positive(flags['stuck-minutes'], '--stuck-minutes', DEFAULT_STUCK_RULE.quietMinutes),
  };
  const parallel = positive(flags.parallel, '--parallel', DEFAULT_PARALLEL);

  const started = performance.now();
  out.write(`Preparing ${plans.length} lab(s), ${parallel} at a time …\n`);
  ensureInotifyRoom(plans.length * 2, createProgress({ start: () => undefined, end: () => undefined, note: (t) => out.write(` · ${t}\n`) }));
  const outcomes = await bringUpClass(plans, { provider, parallel, out, ...(fromSnapshot ? { fromSnapshot } : {}) });
  const failed = plans.filter((p) => !outcomes.get(p.student)?.ok);
  out.write(`${plans.length - failed.length} of ${plans.length} lab(s) ready in ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
  if (failed.length === plans.length) throw new ConfigError("no student's lab could be prepared", { hint: 'the lines above say why for each' });

  const tokens = classTokens(
    prefix,
    plans.map((p) => p.student),
  );
  const desks = new Map<string, Desk>();
  let touched: (student: string) => void = () => undefined;
  for (const p of plans) {
    const outcome = outcomes.get(p.student);
    desks.set(
      p.student,
      createDesk({
        student: p.student,
        labName: p.lab,
        lab: labConnection(() => provider.inventory(p.lab)),
        course,
        ...(outcome && !outcome.ok ? { phase: 'failed' as const, detail: outcome.error } : {}),
        onChange: () => touched(p.student),
      }),
    );
  }
  const title = basename(flags.class);
  const classroom = await createClassroom({ title, plans, desks, rule });
  touched = (s) => classroom.touched(s);
  const [client, dashboard] = await Promise.all([buildClient(), buildDashboard()]);
  const seats: { token: string; seat: Seat }[] = [
    { token: tokens.teacher, seat: { role: 'teacher' } },
    ...plans.map((p) => ({ token: tokens.students[p.student]!, seat: { role: 'student' as const, desk: desks.get(p.student)! } })),
  ];
  const running = await startServer({
    bind: server.bind,
    port: server.port,
    seats,
    page: (boot) => renderPage(client, boot),
    dashboard: { page: (boot) => renderDashboard(dashboard, boot, title), feed: classroom },
  });
  // Each lab's connection is opened now, not by the student's first check (an SSH handshake per host, slow on a loaded machine).
  void settleBounded(
    [...desks.values()].filter((d) => d.phase === 'ready'),
    (d) => d.lab.use(async () => undefined),
    parallel,
  );
  if (!isLoopback(server.bind)) {
    process.stderr.write(
      `warning: listening on ${server.bind}, not only on this machine: anyone who can reach it and has a URL gets root shells on that student's lab\n`,
    );
  }
  const shown = server.bind.includes(':') ? `[${server.bind}]` : server.bind;
  const base = `http://${shown}:${running.port}`;
  const width = Math.max(7, ...plans.map((p) => p.student.length));
  const lines = [
    `${'teacher'.padEnd(width)}  ${base}/?token=${tokens.teacher}`,
    ...plans.map(
      (p) =>
        `${p.student.padEnd(width)}  ${base}/?token=${tokens.students[p.student]}  (lab ${p.lab}, ${p.subnet}${outcomes.get(p.student)?.ok ? '' : ', NOT READY'})`,
    ),
  ];
  const urls = flags.urls ?? join(dirname(flags.class), `${basename(flags.class, extname(flags.class))}.urls.txt`);
  writeFileSync(urls, `# labbench class ${title}: ${new Date().toISOString()}; give each student only their own line\n${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(urls, 0o600);
  out.write(`class "${title}": ${plans.length} student(s); the dashboard and each student's page (also in ${urls}):\n${lines.join('\n')}\n`);
  out.write(
    `stuck: ${rule.failedChecks} failed checks in a row, or ${rule.quietMinutes} min without passing a step. The labs stay up when this stops (Ctrl-C); --down takes them down.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  classroom.close();
  await running.close();
  return 0;
}
