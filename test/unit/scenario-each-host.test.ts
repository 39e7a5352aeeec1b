/**
 * Steps that work on several hosts at once: the pool's bound and order, and the transcript's
 * blocks — each host's commands, notes and checks together, in host order, whatever order the
 * hosts finished in; a failure on one host after every host finished.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import type { CommandResult } from '../../src/errors.ts';
import { Host } from '../../src/host.ts';
import type { Lab } from '../../src/lab.ts';
import { parseOsRelease } from '../../src/os/os-release.ts';
import { decideOs, type HostOs } from '../../src/os/releases.ts';
import { mapBounded, settleBounded } from '../../src/pool.ts';
import { LOCAL_HOST_OFFERS } from '../../src/providers/local/provider.ts';
import { defineScenario, step } from '../../src/scenario/define.ts';
import { runScenario } from '../../src/scenario/runner.ts';
import { renderTranscript } from '../../src/scenario/transcript.ts';
import type { Transport } from '../../src/transports/transport.ts';

const debian12 = (decideOs(parseOsRelease('ID=debian\nVERSION_ID="12"\n')) as { os: HostOs }).os;

test('settleBounded runs at most `limit` at once and keeps item order', async (t) => {
  let running = 0;
  let peak = 0;
  const delays = [30, 5, 20, 1, 10, 2];
  const out = await settleBounded(
    delays,
    async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(ms);
      running--;
      if (i === 3) throw new Error('three');
      return ms * 2;
    },
    3,
  );
  t.is(peak, 3);
  t.deepEqual(
    out.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    [60, 10, 40, 'three', 20, 4],
  );
  await t.throwsAsync(
    mapBounded([2, 1], async (n) => {
      if (n === 2) throw new Error('first');
      if (n === 1) throw new Error('second');
    }),
    { message: 'first' },
  );
  t.deepEqual(await mapBounded([], async () => 1), []);
});

/** A transport whose commands take the number of milliseconds they echo. */
function fakeTransport(): Transport {
  return {
    description: 'fake',
    async exec(command: string): Promise<CommandResult> {
      const ms = Number(/sleep (\d+)/.exec(command)?.[1] ?? 0);
      await sleep(ms);
      const fail = command.includes('false');
      return { host: 'x', command, exitCode: fail ? 1 : 0, stdout: `${command}\n`, stderr: '', durationMs: ms };
    },
    async put() {},
    async interactive() {
      return 0;
    },
    async close() {},
  };
}

function fakeLab(names: string[]): Lab {
  const hosts = names.map(
    (name, i) => new Host({ name, address: `10.0.0.${i + 12}`, os: 'debian-12', platform: 'fake', roles: ['flannel'] }, fakeTransport(), debian12),
  );
  return {
    inventory: { lab: 'fake', provider: 'local', subnet: '10.0.0.0/24', hosts: hosts.map((h) => h.info), offers: LOCAL_HOST_OFFERS },
    hosts,
    host: (n) => hosts.find((h) => h.name === n)!,
    async close() {},
  };
}

test("onEachHost: each host's block in host order though the last host finishes first; every command kept", async (t) => {
  const lab = fakeLab(['hostA', 'hostB', 'hostC']);
  const live: string[] = [];
  const scenario = defineScenario({
    name: 'x',
    section: '0',
    title: 'x',
    summary: 'x',
    steps: [
      step('side by side', async (ctx) => {
        ctx.note('before');
        const results = await ctx.onEachHost(ctx.hosts, async (h) => {
          const ms = { hostA: 40, hostB: 20, hostC: 1 }[h.name]!;
          await h.$`echo one && sleep ${ms}`;
          ctx.note(`${h.name} noted`);
          await h.$`echo two`;
          ctx.check(`${h.name} checked`, true);
          return h.name.toLowerCase();
        });
        ctx.check('results in host order', results.join(',') === 'hosta,hostb,hostc');
      }),
    ],
  });
  const report = await runScenario(
    scenario,
    lab,
    { overrides: {} },
    {
      onCommandStart: (host, command) => live.push(`${host} $ ${command}`),
      onNote: (n) => live.push(`note ${n}`),
      onCheck: (c) => live.push(`check ${c.label}`),
    },
  );
  t.is(report.verdict, 'PASS');
  const block = (h: string) => [
    `${h} $ echo one && sleep ${({ hostA: 40, hostB: 20, hostC: 1 } as Record<string, number>)[h]}`,
    `note ${h} noted`,
    `${h} $ echo two`,
    `check ${h} checked`,
  ];
  t.deepEqual(live, ['note before', ...block('hostA'), ...block('hostB'), ...block('hostC'), 'check results in host order']);
  t.deepEqual(
    report.steps[0]!.commands.map((c) => c.host),
    ['hostA', 'hostA', 'hostB', 'hostB', 'hostC', 'hostC'],
  );
});

test('onEachHost: a failing host fails the step once the others finished, their blocks kept; summarised commands stay out of the transcript', async (t) => {
  const lab = fakeLab(['hostA', 'hostB']);
  const scenario = defineScenario({
    name: 'x',
    section: '0',
    title: 'x',
    summary: 'x',
    steps: [
      step('one fails', async (ctx) => {
        await ctx.onEachHost(ctx.hosts, async (h) => {
          if (h.name === 'hostA') await h.$`false`;
          await h.$`sleep 10 && echo done`;
        });
      }),
    ],
  });
  const failed = await runScenario(scenario, lab, { overrides: {} });
  t.is(failed.verdict, 'FAIL');
  t.regex(failed.steps[0]!.reason!, /false/);
  t.deepEqual(
    failed.steps[0]!.commands.map((c) => `${c.host} ${c.command}`),
    ['hostA false', 'hostB sleep 10 && echo done'],
  );

  const quiet = defineScenario({
    name: 'y',
    section: '0',
    title: 'y',
    summary: 'y',
    steps: [
      step('summarised', async (ctx) => {
        await ctx.onEachHost(ctx.hosts, (h) => h.$`echo ping-${h.name}`, { summarised: true });
        ctx.note('matrix\nrow 1\nrow 2');
      }),
    ],
  });
  const printed: string[] = [];
  const report = await runScenario(quiet, lab, { overrides: {} }, { onCommandStart: (_h, c) => printed.push(c), onCommandEnd: (c) => printed.push(c.stdout) });
  t.deepEqual(printed, []);
  t.deepEqual(
    report.steps[0]!.commands.map((c) => [c.stdout, c.summarised]),
    [
      ['echo ping-hostA\n', true],
      ['echo ping-hostB\n', true],
    ],
  );
  const text = renderTranscript(report);
  t.false(text.includes('ping-hostA'));
  t.true(text.includes('   · matrix\n     row 1\n     row 2\n'));
});
