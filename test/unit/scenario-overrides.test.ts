import test from 'ava';
import { ConfigError } from '../../src/errors.ts';
import { flagOverride, stringOverride } from '../../src/scenario/lib/overrides.ts';

test('overrides: flags and strings, with one clear error for a bad value', (t) => {
  const p = { overrides: { icc: 'true', connect: 'no', mode: 'host', name: 'x' } };
  t.true(flagOverride(p, 'icc', false));
  t.false(flagOverride(p, 'restart', false));
  t.throws(() => flagOverride(p, 'connect', true), { instanceOf: ConfigError, message: '--set connect=no: connect is true or false' });
  t.is(stringOverride(p, 'name', 'y'), 'x');
  t.is(stringOverride(p, 'other', 'y'), 'y');
});
