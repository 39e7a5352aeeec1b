import test from 'ava';
import { mergeDaemonJson, parseDaemonJson, renderDaemonJson } from '../../src/scenario/lib/docker-json.ts';
import { type StepReport, scenarioVerdict, stepVerdict } from '../../src/scenario/report.ts';
import { renderCheck, renderCommandOutput, renderSummaryTable, renderTranscript } from '../../src/scenario/transcript.ts';

test('daemon.json: set keys, keep the others, remove with undefined', (t) => {
  const cur = parseDaemonJson('{"log-driver":"json-file","bip":"10.0.0.1/24"}');
  t.deepEqual(mergeDaemonJson(cur, { bip: '172.20.24.1/24', mtu: 1472 }), { 'log-driver': 'json-file', bip: '172.20.24.1/24', mtu: 1472 });
  t.deepEqual(mergeDaemonJson(cur, { bip: undefined }), { 'log-driver': 'json-file' });
  t.deepEqual(parseDaemonJson(''), {});
  t.throws(() => parseDaemonJson('[1]'), { message: /not a JSON object/ });
  t.is(renderDaemonJson({ bip: '172.20.24.1/24', mtu: 1472 }), '{\n  "bip": "172.20.24.1/24",\n  "mtu": 1472\n}\n');
});

const stepOf = (verdict: StepReport['verdict']): StepReport => ({ index: 1, title: 't', verdict, durationMs: 1, commands: [], checks: [], notes: [] });

test('verdicts: a failed check or an error fails a step; a failed step or cleanup fails the scenario', (t) => {
  t.is(stepVerdict([{ label: 'a', ok: true }], undefined), 'PASS');
  t.is(
    stepVerdict(
      [
        { label: 'a', ok: true },
        { label: 'b', ok: false },
      ],
      undefined,
    ),
    'FAIL',
  );
  t.is(stepVerdict([], 'boom'), 'FAIL');
  t.is(scenarioVerdict([stepOf('PASS'), stepOf('SKIPPED')]), 'PASS');
  t.is(scenarioVerdict([stepOf('PASS'), stepOf('FAIL')]), 'FAIL');
  t.is(scenarioVerdict([stepOf('SKIPPED')]), 'SKIPPED');
  t.is(scenarioVerdict([stepOf('PASS')], false), 'FAIL');
});

test('transcript: command, output, checks, verdict, like the document', (t) => {
  const text = renderTranscript({
    scenario: 'flannel-two-host',
    section: '4',
    title: 'flannel',
    lab: 'labbench',
    provider: 'local',
    params: {},
    verdict: 'FAIL',
    durationMs: 1500,
    hosts: [
      { name: 'hostA', os: 'rocky-8.10', standIn: true, machine: 'Debian GNU/Linux 12', family: 'debian' },
      { name: 'hostB', os: 'ubuntu-24.04', machine: 'Ubuntu 24.04', family: 'debian' },
    ],
    steps: [
      {
        index: 1,
        title: 'subnet.env',
        verdict: 'FAIL',
        reason: 'check failed: FLANNEL_MTU',
        durationMs: 1200,
        commands: [
          {
            host: 'hostA',
            command: 'cat /run/flannel/subnet.env',
            exitCode: 0,
            stdout: 'FLANNEL_NETWORK=172.20.0.0/16\nFLANNEL_MTU=1450\n',
            stderr: '',
            durationMs: 5,
          },
        ],
        checks: [{ label: 'FLANNEL_MTU', ok: false, expected: '1472', actual: '1450' }],
        notes: ['backend omitted: udp'],
      },
    ],
  });
  t.true(
    text.includes(
      '   lab "labbench" (local)\n   hostA: rocky-8.10 (stand-in: Debian GNU/Linux 12), debian family\n   hostB: ubuntu-24.04 (Ubuntu 24.04), debian family\n',
    ),
  );
  t.true(text.includes('hostA # cat /run/flannel/subnet.env\nFLANNEL_NETWORK=172.20.0.0/16\nFLANNEL_MTU=1450\n'));
  t.true(text.includes('   ✗ FLANNEL_MTU (expected 1472, got 1450)'));
  t.true(text.includes('⇒ FAIL (1.2s) — check failed: FLANNEL_MTU'));
  t.true(text.includes('flannel-two-host: FAIL — 0 passed, 1 failed, 0 skipped'));
});

test('command output shows a non-zero exit and trims long output', (t) => {
  t.is(renderCommandOutput({ stdout: '', stderr: 'Error: 105: Key already exists\n', exitCode: 4 }), 'Error: 105: Key already exists\n(exit 4)\n');
  const long = Array.from({ length: 100 }, (_, i) => `l${i}`).join('\n');
  t.regex(renderCommandOutput({ stdout: long, stderr: '', exitCode: 0 }), /… \(40 more lines\)\n$/);
  t.is(renderCheck({ label: 'ok', ok: true }), '   ✓ ok\n');
});

test('summary table for scenario all', (t) => {
  const r = (scenario: string, verdict: 'PASS' | 'SKIPPED') => ({
    scenario,
    section: '3.1',
    title: '',
    lab: 'l',
    provider: 'local',
    params: {},
    verdict,
    durationMs: 2000,
    steps: [stepOf('PASS'), stepOf('PASS')],
  });
  t.is(
    renderSummaryTable([r('network-modes', 'PASS'), r('ipvlan', 'SKIPPED')]),
    'SCENARIO       SECTION  STEPS  VERDICT  TIME\nnetwork-modes  §3.1     2/2    PASS     2.0s\nipvlan         §3.1     2/2    SKIPPED  2.0s\n',
  );
});

test('durations read naturally and never as 2m60s', async (t) => {
  const { formatDuration } = await import('../../src/progress.ts');
  t.is(formatDuration(412), '412ms');
  t.is(formatDuration(51_234), '51.2s');
  t.is(formatDuration(179_600), '3m0s');
  t.is(formatDuration(214_000), '3m34s');
});
