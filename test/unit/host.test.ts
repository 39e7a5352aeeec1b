import test from 'ava';
import { CommandError, type CommandResult } from '../../src/errors.ts';
import { Host } from '../../src/host.ts';
import { parseOsRelease } from '../../src/os/os-release.ts';
import { decideOs, type HostOs } from '../../src/os/releases.ts';
import type { ExecOptions, Transport } from '../../src/transports/transport.ts';

/** A transport that records commands and answers from a table (no shell involved). */
class ScriptedTransport implements Transport {
  readonly description = 'scripted';
  readonly seen: { command: string; options: ExecOptions }[] = [];
  constructor(private readonly answers: Record<string, Partial<CommandResult>>) {}
  async exec(command: string, options: ExecOptions = {}): Promise<CommandResult> {
    this.seen.push({ command, options });
    const a = this.answers[command] ?? { exitCode: 127, stderr: 'not scripted' };
    if (a.stdout) options.onStdout?.(a.stdout);
    return { host: 'hostA', command, exitCode: a.exitCode ?? 0, stdout: a.stdout ?? '', stderr: a.stderr ?? '', durationMs: 1 };
  }
  async put(): Promise<void> {}
  async interactive(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}

const info = { name: 'hostA', address: '192.168.100.12', os: 'debian-12', platform: 'test', roles: [] };
const debian = decideOs(parseOsRelease('ID=debian\nVERSION_ID="12"\n'));
const os = (debian as { os: HostOs }).os;

test('host.$ quotes interpolations and returns the output', async (t) => {
  const transport = new ScriptedTransport({ "etcdctl get '/a b'": { stdout: 'value\n' } });
  const host = new Host(info, transport, os);
  const out = await host.$`etcdctl get ${'/a b'}`;
  t.is(out.text(), 'value');
  t.deepEqual(out.lines(), ['value']);
  t.is(transport.seen[0]!.options.timeoutMs, 120_000, 'a default timeout bounds every command');
});

test('a failing command throws CommandError with the result, unless nothrow', async (t) => {
  const host = new Host(info, new ScriptedTransport({ 'systemctl start etcd': { exitCode: 1, stderr: 'Job failed' } }), os);
  const err = await t.throwsAsync(host.$`systemctl start etcd`, { instanceOf: CommandError });
  t.is(err!.result.exitCode, 1);
  t.regex(err!.message, /command on hostA exited with code 1: systemctl start etcd\n {2}│ Job failed/);
  const out = await host.$({ nothrow: true, timeoutMs: 5000 })`systemctl start etcd`;
  t.false(out.ok);
});

test('observers see every command and its output, except quiet ones', async (t) => {
  const host = new Host(info, new ScriptedTransport({ 'echo hi': { stdout: 'hi\n' }, 'cat /secret': { stdout: 'x' } }), os);
  const events: string[] = [];
  const detach = host.observe({
    onStart: (_h, c) => events.push(`start ${c}`),
    onOutput: (_h, s, chunk) => events.push(`${s} ${chunk.trim()}`),
    onEnd: (_h, o) => events.push(`end ${o.exitCode}`),
  });
  await host.$`echo hi`;
  await host.$({ quiet: true })`cat /secret`;
  detach();
  await host.$`echo hi`;
  t.deepEqual(events, ['start echo hi', 'stdout hi', 'end 0']);
});
