import test from 'ava';
import { injectionLabel, parseInjections, trialGroups, trialSchedule } from '../../bench/lib/power/plan.ts';

test('parseInjections reads path/metric:sizes, one injection per size', (t) => {
  const { injections, problems } = parseInjections(['bridge/rr.p50:15', 'overlay/tcp.throughput:5,10,20']);
  t.deepEqual(problems, []);
  t.deepEqual(injections, [
    { path: 'bridge', metric: 'rr.p50', sizePct: 15 },
    { path: 'overlay', metric: 'tcp.throughput', sizePct: 5 },
    { path: 'overlay', metric: 'tcp.throughput', sizePct: 10 },
    { path: 'overlay', metric: 'tcp.throughput', sizePct: 20 },
  ]);
  t.is(injectionLabel(injections[0]!), 'bridge/rr.p50 +15 %');
  t.is(injectionLabel(injections[2]!), 'overlay/tcp.throughput −10 %');
});

test('parseInjections lists every problem and returns no injection then', (t) => {
  const { injections, problems } = parseInjections([
    'loopback/rr.p50:15',
    'overlay/ping.rtt:10',
    'overlay/tcp.throughput:100',
    'bridge-rr-15',
    'overlay/rr.p50:15',
  ]);
  t.deepEqual(injections, []);
  t.is(problems.length, 4);
  t.regex(problems[0]!, /path must be bridge or overlay/);
  t.regex(problems[1]!, /metric must be rr.p50 or tcp.throughput/);
  t.regex(problems[2]!, /size "100" must be a percentage above 0 and at most 90/);
  t.regex(problems[3]!, /must look like path\/metric:size/);
});

test('trialGroups: one suite per probe, the loopback canary first, only the injected paths', (t) => {
  const { injections } = parseInjections(['overlay/tcp.throughput:10', 'bridge/rr.p50:15', 'overlay/rr.p50:15']);
  t.deepEqual(
    trialGroups(injections).map((g) => [g.probe, g.paths, g.injections.length]),
    [
      ['rr', ['loopback', 'bridge', 'overlay'], 2],
      ['tcp', ['loopback', 'overlay'], 1],
    ],
  );
});

test('trialSchedule: every round has each group A/A and each injection once, shuffled per round, replayable by seed', (t) => {
  const groups = trialGroups(parseInjections(['bridge/rr.p50:15', 'overlay/rr.p50:15', 'overlay/tcp.throughput:10']).injections);
  const a = trialSchedule(groups, 10, 42);
  t.is(a.length, 10 * 5);
  const key = (x: (typeof a)[number]) => (x.injection ? `${x.injection.path}/${x.injection.metric}` : `aa-${x.group}`);
  for (let round = 1; round <= 10; round++) {
    t.deepEqual(
      a
        .filter((x) => x.round === round)
        .map(key)
        .sort(),
      ['aa-rr', 'aa-tcp', 'bridge/rr.p50', 'overlay/rr.p50', 'overlay/tcp.throughput'],
    );
  }
  t.deepEqual(trialSchedule(groups, 10, 42), a);
  t.notDeepEqual(trialSchedule(groups, 10, 43).map(key), a.map(key));
  t.true(
    new Set(
      Array.from({ length: 10 }, (_, r) =>
        a
          .slice(r * 5, r * 5 + 5)
          .map(key)
          .join(),
      ),
    ).size > 1,
    'orders differ between rounds',
  );
});
