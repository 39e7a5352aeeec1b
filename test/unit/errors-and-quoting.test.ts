import test from 'ava';
import { CommandError, ConfigError, exitCodeOf, formatError, InterruptedError, LabbenchError } from '../../src/errors.ts';
import { buildCommand, quoteArg, raw } from '../../src/shell-quote.ts';

const tpl = (pieces: TemplateStringsArray, ...args: Parameters<typeof buildCommand>[1]) => buildCommand(pieces, args);

test('interpolations are quoted, the template is not', (t) => {
  t.is(tpl`echo ${'hello world'} > /tmp/x`, "echo 'hello world' > /tmp/x");
  t.is(tpl`ls ${'/etc'}`, 'ls /etc');
  t.is(tpl`echo ${"it's"}`, "echo 'it'\\''s'");
  t.is(tpl`echo ${'$(reboot)'}`, "echo '$(reboot)'");
  t.is(tpl`etcdctl mk ${'/atomic.io/network/config'} ${'{"Network":"172.20.0.0/16"}'}`, 'etcdctl mk /atomic.io/network/config \'{"Network":"172.20.0.0/16"}\'');
});

test('arrays become several quoted words; numbers are words; raw is inserted as is', (t) => {
  t.is(tpl`docker rm -f ${['a b', 'c']}`, "docker rm -f 'a b' c");
  t.is(tpl`ping -c ${3} ${'10.0.0.1'}`, 'ping -c 3 10.0.0.1');
  t.is(tpl`cat x ${raw('| wc -l')}`, 'cat x | wc -l');
  t.is(quoteArg(''), "''");
});

test('a command error names the host, the command, the exit code and the stderr tail', (t) => {
  const stderr = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
  const err = new CommandError({ host: 'hostA', command: 'systemctl start etcd', exitCode: 1, stdout: '', stderr, durationMs: 12 });
  t.regex(err.message, /^command on hostA exited with code 1: systemctl start etcd/);
  t.true(err.message.includes('line 20'));
  t.false(err.message.includes('line 8\n'), 'only the tail of stderr');
  const killed = new CommandError({
    host: 'hostB',
    command: 'sleep 99',
    exitCode: null,
    signal: 'timeout after 1000ms',
    stdout: '',
    stderr: '',
    durationMs: 1000,
  });
  t.is(killed.message, 'command on hostB was killed (timeout after 1000ms): sleep 99');
});

test('formatError prints the message, the hint and the causes, once', (t) => {
  const inner = new Error('connect ECONNREFUSED 192.168.100.12:22');
  const outer = new LabbenchError('cannot reach hostA over SSH', { hint: 'is the lab up?', cause: inner });
  t.is(formatError(outer), 'error: cannot reach hostA over SSH\n  hint: is the lab up?\ncaused by: connect ECONNREFUSED 192.168.100.12:22');
  t.is(formatError('plain'), 'error: plain');
});

test('exit codes: 1 for errors, 130 for an interrupt', (t) => {
  t.is(exitCodeOf(new ConfigError('x')), 1);
  t.is(exitCodeOf(new InterruptedError('x')), 130);
  t.is(exitCodeOf(new Error('x')), 1);
});

test('quoted words survive a real shell unchanged (sh and bash)', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const samples = ['plain', 'two words', "it's", '$HOME `id` $(id) \\n', '{"Network":"172.20.0.0/16"}', 'tab\there', 'new\nline', '', '*', "''"];
  for (const shell of ['sh', 'bash']) {
    for (const s of samples) {
      const out = execFileSync(shell, ['-c', `printf %s ${quoteArg(s)}`], { encoding: 'utf8' });
      t.is(out, s, `${shell}: ${JSON.stringify(s)}`);
    }
  }
});
