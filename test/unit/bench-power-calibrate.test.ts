import test from 'ava';
import { latencyTargetUs, pairedChange, pairedShift, reachesTarget, rulesForSlowdown, rulesForTarget } from '../../bench/lib/power/calibrate.ts';

test('pairedShift and pairedChange take the median over off/on pairs, so one slow spell does not set the size', (t) => {
  // Figures measured on the bridge path here: 3000 rules, ping RTT p50 per block in µs.
  const pairs = [
    { off: 26, on: 50 },
    { off: 17, on: 50 },
    { off: 26, on: 51 },
    { off: 21, on: 47 },
    { off: 180, on: 60 }, // a slow spell during the "off" block
  ];
  t.is(pairedShift(pairs), 25);
  t.true(
    Math.abs(
      pairedChange([
        { off: 10, on: 6.6 },
        { off: 10, on: 9 },
        { off: 5, on: 3.3 },
      ]) - -0.34,
    ) < 1e-9,
  );
  t.throws(() => pairedShift([]), { message: /no off\/on pairs/ });
});

test('rulesForTarget scales the calibration chain linearly to the latency target', (t) => {
  // 3000 rules added 25 µs per round trip; +15 % of a 166 µs rr p50 is 24.9 µs.
  t.is(latencyTargetUs(166, 15), 24.9);
  t.is(rulesForTarget(24.9, 25, 3000), 2988);
  t.is(rulesForTarget(0.001, 25, 3000), 1, 'at least one rule');
  t.throws(() => rulesForTarget(10, 0, 3000), { message: /not on the path/ });
  t.throws(() => rulesForTarget(10, -3, 3000), { message: /not on the path/ });
  t.throws(() => rulesForTarget(1e6, 0.001, 3000), { message: /implausibly small/ });
});

test('rulesForSlowdown follows throughput(N) = throughput(0) / (1 + c·N)', (t) => {
  // Measured here: 3000 rules → −34 % (c = 1.7e-4); −10 % then needs (1/0.9 − 1)/c ≈ 647 rules.
  const rules = rulesForSlowdown(10, -0.34, 3000);
  t.is(rules, 647);
  const c = (1 / 0.66 - 1) / 3000;
  t.true(Math.abs(1 / (1 + c * rules) - 0.9) < 0.001);
  // The model checked against the second point measured: 10000 rules gave −57 % (model: −63 %).
  t.true(Math.abs(1 / (1 + c * 10000) - 1 - -0.63) < 0.01);
  t.throws(() => rulesForSlowdown(10, 0.05, 3000), { message: /not on the path/ });
  t.throws(() => rulesForSlowdown(0, -0.3, 3000), { message: /between 0 and 100/ });
});

test('reachesTarget needs the right direction and the stated fraction of the size', (t) => {
  t.true(reachesTarget(13, 15, 0.5));
  t.false(reachesTarget(5, 15, 0.5));
  t.false(reachesTarget(-15, 15, 0.5));
  t.true(reachesTarget(-9, -10, 0.8));
});
