import test from 'ava';
import { holm } from '../../src/bench/judge/holm.ts';

test('Holm adjusts in step-down order and keeps input order', (t) => {
  // sorted: 0.005×4 = 0.02, 0.01×3 = 0.03, 0.03×2 = 0.06, 0.04×1 → max(0.06, 0.04) = 0.06
  const r = holm([0.01, 0.04, 0.03, 0.005], 0.05);
  const adjusted = r.map((x) => Number(x.adjusted.toFixed(12)));
  t.deepEqual(adjusted, [0.03, 0.06, 0.06, 0.02]);
  t.deepEqual(
    r.map((x) => x.rejected),
    [true, false, false, true],
  );
});

test('Holm stops at the first non-rejection even if later p-values are small enough alone', (t) => {
  // 0.001×3 = 0.003 ≤ 0.01 rejected; 0.009×2 = 0.018 > 0.01 stops; 0.0095×1 would pass alone but is adjusted to 0.018.
  const r = holm([0.009, 0.001, 0.0095], 0.01);
  t.deepEqual(
    r.map((x) => x.rejected),
    [false, true, false],
  );
  t.true(Math.abs((r[2]?.adjusted ?? 0) - 0.018) < 1e-12);
});

test('Holm caps adjusted p at 1 and handles an empty family', (t) => {
  t.is(holm([0.6, 0.7], 0.05)[0]?.adjusted, 1);
  t.deepEqual(holm([], 0.05), []);
});
