import test from 'ava';
import { parseSystemdTimespan } from '../../src/parsers/systemd-timespan.ts';

test('systemd time spans as systemctl show prints them', (t) => {
  t.is(parseSystemdTimespan('1min 30s'), 90_000);
  t.is(parseSystemdTimespan('45s'), 45_000);
  t.is(parseSystemdTimespan('500ms'), 500);
  t.is(parseSystemdTimespan('2h 5min'), 7_500_000);
  t.is(parseSystemdTimespan('90'), 90_000, 'a bare number is seconds');
  t.is(parseSystemdTimespan('infinity'), Infinity);
});

test('what is not a time span is undefined', (t) => {
  t.is(parseSystemdTimespan(''), undefined);
  t.is(parseSystemdTimespan('soon'), undefined);
  t.is(parseSystemdTimespan('5 fortnights'), undefined);
});
