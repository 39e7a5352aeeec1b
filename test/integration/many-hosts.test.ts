/**
 * A lab of six hosts (`--hosts 6`): flannel across all of them with every ordered pair of test
 * containers answering in the full-mesh matrix, and `lab down` leaving nothing behind. Before
 * that, bad --hosts input is refused with one message and nothing created.
 */

import { existsSync } from 'node:fs';
import test from 'ava';
import { statePaths } from '../../src/providers/local/paths.ts';
import type { ScenarioReport } from '../../src/scenario/report.ts';
import { cli, rootSkipReason } from '../support/cli.ts';
import { snapshotMachine } from '../support/machine-snapshot.ts';
import { assertNoResidue } from '../support/no-residue.ts';

const skip = rootSkipReason();
const run = skip ? test.serial.skip : test.serial;
const title = (t: string) => (skip ? `${t} — skipped: ${skip}` : t);

const LAB = 'sixhosts';
const SUBNET = '10.213.57.0/24';
const HOSTS = ['hostA', 'hostB', 'hostC', 'hostD', 'hostE', 'hostF'];
const home = statePaths().root;

test.after.always(async () => {
  if (!skip) await cli(['lab', 'down', '--name', LAB]);
});

run(title('bad --hosts input: one clear error, exit 1, no lab created'), async (t) => {
  const cases: [string[], RegExp][] = [
    [['--hosts', '1'], /--hosts 1: a lab has 2 to 64 hosts/],
    [['--hosts', '65'], /--hosts 65: a lab has 2 to 64 hosts/],
    [['--hosts', '3', '--spec', '/nonexistent.json'], /--hosts and --spec both say which hosts the lab has/],
    [['--hosts', '6', '--subnet', '10.213.57.0/28'], /subnet 10\.213\.57\.0\/28 is too small for 6 hosts: .* room for 3/],
  ];
  for (const [flags, message] of cases) {
    const r = await cli(['lab', 'up', '--name', LAB, ...flags]);
    t.is(r.code, 1, flags.join(' '));
    t.regex(r.stderr, message);
    t.notRegex(r.stderr, /\n\s+at /, 'no stack trace');
    t.false(existsSync(statePaths().lab(LAB).dir), `nothing created for ${flags.join(' ')}`);
  }
});

run(title('--hosts 6: flannel across six hosts, the full-mesh matrix all ✓, lab down leaves nothing'), async (t) => {
  const before = snapshotMachine(home);
  const up = await cli(['lab', 'up', '--name', LAB, '--subnet', SUBNET, '--hosts', '6']);
  t.is(up.code, 0, up.stderr);
  const status = JSON.parse((await cli(['lab', 'status', '--name', LAB, '--json'])).stdout) as {
    state: string;
    hosts: { name: string; address: string; os: string; state: string }[];
  };
  t.is(status.state, 'up');
  t.deepEqual(
    status.hosts.map((h) => [h.name, h.address, h.os, h.state]),
    HOSTS.map((h, i) => [h, `10.213.57.${12 + i}`, ['rocky-8.10', 'ubuntu-24.04'][i] ?? 'debian-12', 'running']),
  );

  const r = await cli(['scenario', 'flannel-two-host', '--name', LAB, '--keep', '--json']);
  t.is(r.code, 0, r.stderr + r.stdout.slice(-3000));
  const report = JSON.parse(r.stdout) as ScenarioReport;
  t.is(report.verdict, 'PASS');
  const commands = report.steps.flatMap((s) => s.commands);
  t.is(commands.filter((c) => c.command === 'cat /run/flannel/subnet.env').length, 6, 'every host got a subnet.env');
  t.is(
    commands
      .filter((c) => /systemctl start flanneld/.test(c.command))
      .map((c) => c.host)
      .join(','),
    HOSTS.join(','),
    'flanneld started on all six, recorded in host order',
  );

  const mesh = report.steps.at(-1)!;
  const matrix = mesh.notes.find((n) => n.includes('from \\ to'))!;
  const rows = matrix.split('\n').slice(2);
  t.deepEqual(
    rows.map((row) => row.split(/\s{2,}/)[0]),
    HOSTS,
    'one matrix row per host',
  );
  t.is((matrix.match(/✓ \d+\.\d+ms/g) ?? []).length, 30, `all 30 ordered pairs answer:\n${matrix}`);
  t.false(matrix.includes('✗'));
  t.true(mesh.checks.some((c) => c.ok && c.label.includes('30/30 pairs answer')));
  // Every ping's output is in the report: one exec per source host, five pings each, once for the
  // step's solve (the document's pings) and once for its check.
  const pings = mesh.commands.filter((c) => c.summarised);
  t.deepEqual(
    pings.map((c) => c.host),
    [...HOSTS, ...HOSTS],
  );
  for (const p of pings) {
    t.is((p.stdout.match(/^### ping /gm) ?? []).length, 5);
    t.is((p.stdout.match(/3 packets transmitted, 3 packets received/g) ?? []).length, 5, p.stdout);
  }

  const down = await cli(['lab', 'down', '--name', LAB]);
  t.is(down.code, 0, down.stderr);
  assertNoResidue(t, before, snapshotMachine(home));
});
