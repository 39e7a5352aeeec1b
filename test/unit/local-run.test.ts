/**
 * The one local runner (src/machine/run.ts) and labbench's own CLI started through it
 * (src/machine/labbench-cli.ts): stdin as a stream, what an abort sends, the started child, and
 * the CLI's exit code as data.
 */
import { PassThrough } from 'node:stream';
import test from 'ava';
import { labbench } from '../../bench/lib/cli.ts';
import { InterruptedError } from '../../src/errors.ts';
import { labbenchArgv, REPO_ROOT, runLabbench } from '../../src/machine/labbench-cli.ts';
import { runLocal } from '../../src/machine/run.ts';

/** A Node program that says "ready", then on SIGINT says "cleaned up" and exits 130, as labbench's CLI does. */
const TRAPS_SIGINT = [
  process.execPath,
  '-e',
  "process.on('SIGINT', () => { process.stdout.write('cleaned up'); process.exit(130); }); process.stdout.write('ready'); setTimeout(() => {}, 30000);",
];

test('a stream as stdin is piped in and closes stdin when it ends', async (t) => {
  const keys = new PassThrough();
  const run = runLocal(['cat'], { input: keys });
  keys.write('typed ');
  setTimeout(() => keys.end('later'), 50);
  t.is((await run).stdout, 'typed later');
});

test('an abort sends killSignal (SIGINT: the program cleans up and exits itself); without it SIGKILL', async (t) => {
  const interrupt = new AbortController();
  const r = await runLocal(TRAPS_SIGINT, {
    nothrow: true,
    signal: interrupt.signal,
    killSignal: 'SIGINT',
    onStdout: (c) => c.includes('ready') && interrupt.abort(),
  });
  t.is(r.exitCode, 130);
  t.is(r.stdout, 'readycleaned up');

  const kill = new AbortController();
  const killed = await runLocal(TRAPS_SIGINT, { nothrow: true, signal: kill.signal, onStdout: () => kill.abort() });
  t.is(killed.exitCode, null);
  t.is(killed.signal, 'SIGKILL');
  t.is(killed.stdout, 'ready');
});

test('a signal aborted before the start stops the program at once', async (t) => {
  const started = performance.now();
  const r = await runLocal(['sleep', '20'], { nothrow: true, signal: AbortSignal.abort() });
  t.is(r.signal, 'SIGKILL');
  t.true(performance.now() - started < 10_000);
});

test('onSpawn hands over the running child, whose output can be read as it comes', async (t) => {
  let pid: number | undefined;
  let seen = '';
  const r = await runLocal(['sh', '-c', 'echo one; echo two >&2'], {
    onSpawn: (child) => {
      pid = child.pid;
      child.stdout?.on('data', (c) => (seen += String(c)));
    },
  });
  t.true(typeof pid === 'number' && pid > 0);
  t.is(seen, 'one\n');
  t.is(r.stderr, 'two\n');
});

test("labbench's CLI runs from the repository with this Node; its exit code is data, not an exception", async (t) => {
  t.deepEqual(labbenchArgv(['lab', 'list']), [process.execPath, '--import', 'tsx', 'src/cli/main.ts', 'lab', 'list']);
  t.regex(REPO_ROOT, /\/$/);
  const list = await runLabbench(['scenario', '--list']);
  t.is(list.exitCode, 0, list.stderr);
  t.regex(list.stdout, /flannel-two-host/);
  const bad = await runLabbench(['scenario', '--no-such-flag']);
  t.is(bad.exitCode, 1);
  t.regex(bad.stderr, /--no-such-flag/);
});

test("the bench scripts' labbench(): exit code, output and seconds; an interrupted run rejects once the CLI has exited", async (t) => {
  const list = await labbench(['scenario', '--list'], { quiet: true });
  t.is(list.code, 0, list.stderr);
  t.regex(list.stdout, /flannel-two-host/);
  t.is(list.results, null, 'no results document from a command that prints none');
  t.true(list.seconds > 0);
  await t.throwsAsync(labbench(['scenario', '--list'], { quiet: true, signal: AbortSignal.abort() }), { instanceOf: InterruptedError });
});
