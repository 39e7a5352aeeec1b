#!/usr/bin/env node
/**
 * labbench's command line: `lab`, `scenario`, `bench`. Each command lives in its own file and
 * returns an exit code; this file dispatches and is the only place that prints errors.
 */
import { exitCodeOf, formatError, LabbenchError } from '../errors.ts';
import { markInterrupted } from '../interrupt.ts';
import { setCommandDescription } from '../machine/file-lock.ts';
import { terminateChildren } from '../machine/run.ts';

const COMMANDS: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>> = {
  lab: () => import('./lab.ts'),
  scenario: () => import('./scenario.ts'),
  course: () => import('./course.ts'),
  bench: () => import('./bench.ts'),
  'bench-history': () => import('./bench-history.ts'),
  'vm-image': () => import('./vm-image.ts'),
};

const USAGE = `usage: labbench <command> [options]

  lab up|stop|start|down|status|list|shell|exec|snapshot  manage a lab, save and restore it (pnpm lab …)
  scenario <name>|all|--list                     run the course document's chapters as verified scenarios
  course list|start|check|…                      do a chapter by hand, step by step, and have the lab grade it
  course serve                                   the same in a browser: steps, checks, a terminal per host, the topology
  bench                                          measure the lab's network paths against a baseline and the history of nights
  bench-history [accept NIGHT]                   the history of nights: change points, what changed, the page
  vm-image                                       build the Debian 12 VM image for the libvirt provider

Run a command with --help for its options.`;

let interrupted = false;

function onInterrupt(signal: NodeJS.Signals): void {
  if (interrupted) process.exit(130);
  interrupted = true;
  markInterrupted(signal);
  process.stderr.write(`\n${signal}: stopping (run \`pnpm lab down\` to remove anything half-built)\n`);
  terminateChildren();
  // Give the current step a moment to fail and print; then leave regardless.
  setTimeout(() => process.exit(130), 3_000).unref();
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const load = COMMANDS[command];
  if (!load) throw new LabbenchError(`unknown command "${command}"`, { hint: `commands are ${Object.keys(COMMANDS).join(', ')}` });
  setCommandDescription(describeCommand(argv));
  const mod = await load();
  return mod.run(rest);
}

/** The command as other commands name it while waiting for its lock: "lab up", "scenario flannel-two-host", "bench". */
function describeCommand(argv: string[]): string {
  const words = argv.slice(0, argv.findIndex((a) => a.startsWith('-')) === -1 ? argv.length : argv.findIndex((a) => a.startsWith('-')));
  return words.slice(0, argv[0] === 'bench' ? 1 : 2).join(' ');
}

process.on('SIGINT', onInterrupt);
process.on('SIGTERM', onInterrupt);

/** Leaves once stdout and stderr are flushed, whatever handles (sockets, timers) are still open. */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(
  (code) => exit(interrupted ? 130 : code),
  (err: unknown) => {
    process.stderr.write(`${formatError(err, process.env.LABBENCH_VERBOSE === '1')}\n`);
    exit(interrupted ? 130 : exitCodeOf(err));
  },
);
