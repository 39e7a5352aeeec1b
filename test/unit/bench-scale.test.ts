import test from 'ava';
import { parseMemUsage } from '../../bench/lib/host-memory.ts';
import { linearFit } from '../../src/bench/judge/stats.ts';

test('linearFit: the least-squares line through (N, cost) points', (t) => {
  t.deepEqual(linearFit([2, 4, 8, 16], [5, 7, 11, 19]), { slope: 1, intercept: 3 });
  const noisy = linearFit([2, 4, 8, 16], [10, 13, 17, 31]);
  t.is(noisy.slope, 171.5 / 115); // Σdx·dy / Σdx² with x̄ = 7.5, ȳ = 17.75
  t.throws(() => linearFit([2], [1]), { instanceOf: RangeError });
  t.throws(() => linearFit([2, 2], [1, 3]), { instanceOf: RangeError });
});

test('docker stats memory: the usage before the slash, binary and decimal units', (t) => {
  t.is(parseMemUsage('61.5MiB / 23.54GiB'), 61.5 * 1024 ** 2);
  t.is(parseMemUsage('1.2GiB / 23.54GiB'), 1.2 * 1024 ** 3);
  t.is(parseMemUsage('980kB / 1GB'), 980e3);
  t.throws(() => parseMemUsage('--'), { message: /cannot read docker stats memory/ });
});
