import test from 'ava';
import { bridgeInterfaces, parseBrctlShow } from '../../src/scenario/lib/parse-brctl.ts';

test('brctl show from the document (1.1): one bridge, one interface', (t) => {
  const text = 'bridge name\t\tbridge id\t\t\tSTP enabled\t\tinterfaces\ndocker0\t\t\t8000.22a0957ddcc0\tno\t\t\t\tveth66852fa\n';
  t.deepEqual(parseBrctlShow(text), [{ name: 'docker0', id: '8000.22a0957ddcc0', stp: false, interfaces: ['veth66852fa'] }]);
});

test('brctl show from the document (3.5): continuation lines and a bridge without interfaces', (t) => {
  const text = [
    'bridge name\t\t\tbridge id\t\t\tSTP enabled\t\tinterfaces',
    'br-2c0661a197a8\t\t8000.8e6af6a9539c\tno\t\t\t\tveth5b54a72',
    '\t\t\t\t\t\t\t\t\t\t\t\t\t\tveth936b53e',
    'docker0\t\t\t\t8000.22a0957ddcc0\tno\t\t',
    '',
  ].join('\n');
  const bridges = parseBrctlShow(text);
  t.deepEqual(
    bridges.map((b) => [b.name, b.interfaces]),
    [
      ['br-2c0661a197a8', ['veth5b54a72', 'veth936b53e']],
      ['docker0', []],
    ],
  );
  t.deepEqual(bridgeInterfaces(bridges, 'docker0'), []);
  t.is(bridgeInterfaces(bridges, 'br-missing'), undefined);
});

test('brctl show with STP on', (t) => {
  t.true(parseBrctlShow('bridge name\tbridge id\t\tSTP enabled\tinterfaces\nbr0\t\t8000.0242a710f990\tyes\t\teth1\n')[0]!.stp);
  t.deepEqual(parseBrctlShow(''), []);
});
