import test from 'ava';
import { ConfigError } from '../../src/errors.ts';
import { firstClearAddress, isInterfaceAddress, overlapping, spareLanAddresses } from '../../src/scenario/lib/pick-addresses.ts';

test('spare LAN addresses come from the top, skipping the gateway and the hosts', (t) => {
  t.deepEqual(spareLanAddresses('10.213.60.0/24', ['10.213.60.1', '10.213.60.12', '10.213.60.13'], 2), ['10.213.60.254', '10.213.60.253']);
  // A /28 (the smallest LAN the document's .12/.13 fit in): .14 is the only spare address above the hosts.
  t.deepEqual(spareLanAddresses('192.168.100.0/28', ['192.168.100.1', '192.168.100.12', '192.168.100.13'], 2), ['192.168.100.14', '192.168.100.11']);
  t.deepEqual(spareLanAddresses('10.0.0.0/24', ['10.0.0.254'], 1), ['10.0.0.253']);
  t.throws(() => spareLanAddresses('10.0.0.0/30', ['10.0.0.1', '10.0.0.2'], 1), { instanceOf: ConfigError, message: /no 1 spare address/ });
});

test('overlapping and firstClearAddress: bip candidates against the networks in use', (t) => {
  t.is(overlapping('192.168.100.1/24', ['172.17.0.1/16', '192.168.100.0/24']), '192.168.100.0/24');
  t.is(overlapping('192.168.100.1/24', ['172.17.0.1/16', '10.213.60.0/24']), undefined);
  t.is(overlapping('10.0.0.1/24', ['10.0.0.0/8']), '10.0.0.0/8');
  t.is(firstClearAddress(['192.168.100.1/24', '192.168.101.1/24'], ['192.168.100.0/24']), '192.168.101.1/24');
  t.is(firstClearAddress(['192.168.100.1/24', '192.168.101.1/24'], ['10.213.60.0/24']), '192.168.100.1/24');
  t.throws(() => firstClearAddress(['192.168.100.1/24'], ['192.168.0.0/16']), { instanceOf: ConfigError });
});

test('isInterfaceAddress: bip is an address with a prefix, not a network', (t) => {
  for (const [text, ok] of [
    ['192.168.100.1/24', true],
    ['10.0.0.1/24', true],
    ['10.0.0.0/24', false],
    ['10.0.0.1', false],
    ['10.0.0.1/31', false],
    ['x/24', false],
  ] as const) {
    t.is(isInterfaceAddress(text), ok, text);
  }
});
