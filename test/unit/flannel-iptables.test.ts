import test from 'ava';
import { supportsRandomFully } from '../../src/flannel/agent/iptables.ts';
import { chainsOf, deletePayload, forwardRules, masqRules, restorePayload } from '../../src/flannel/iptables-rules.ts';
import { parseCidr } from '../../src/net/ipv4.ts';

const asCommands = (rules: ReturnType<typeof forwardRules>) =>
  rules.map((r) => `-t ${r.table} -A ${r.chain} ${r.spec.map((w) => (w.includes(' ') ? `"${w}"` : w)).join(' ')}`);

test('FORWARD rules as flanneld v0.20+ adds them', (t) => {
  t.deepEqual(asCommands(forwardRules(parseCidr('172.20.0.0/16'))), [
    '-t filter -A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
    '-t filter -A FLANNEL-FWD -s 172.20.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
    '-t filter -A FLANNEL-FWD -d 172.20.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
  ]);
});

test('masquerade rules as flanneld v0.20+ adds them with -ip-masq', (t) => {
  t.deepEqual(asCommands(masqRules(parseCidr('172.20.0.0/16'), parseCidr('172.20.24.0/24'), true)), [
    '-t nat -A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
    '-t nat -A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
    '-t nat -A FLANNEL-POSTRTG -s 172.20.24.0/24 -d 172.20.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
    '-t nat -A FLANNEL-POSTRTG -s 172.20.0.0/16 -d 172.20.24.0/24 -m comment --comment "flanneld masq" -j RETURN',
    '-t nat -A FLANNEL-POSTRTG ! -s 172.20.0.0/16 -d 172.20.24.0/24 -m comment --comment "flanneld masq" -j RETURN',
    '-t nat -A FLANNEL-POSTRTG -s 172.20.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
    '-t nat -A FLANNEL-POSTRTG ! -s 172.20.0.0/16 -d 172.20.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
  ]);
  const plain = masqRules(parseCidr('172.20.0.0/16'), parseCidr('172.20.24.0/24'), false);
  t.deepEqual(plain[5]!.spec.slice(-2), ['-j', 'MASQUERADE']);
});

test('chains are flannel’s own only', (t) => {
  t.deepEqual(chainsOf([...masqRules(parseCidr('10.5.0.0/16'), parseCidr('10.5.1.0/24'), true), ...forwardRules(parseCidr('10.5.0.0/16'))]), [
    { table: 'nat', chain: 'FLANNEL-POSTRTG' },
    { table: 'filter', chain: 'FLANNEL-FWD' },
  ]);
});

test('iptables-restore payload re-adds in order, deleting present copies first', (t) => {
  const rules = forwardRules(parseCidr('10.5.0.0/16'));
  t.is(
    restorePayload(rules, [true, false, true]),
    [
      '*filter',
      '-D FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
      '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
      '-A FLANNEL-FWD -s 10.5.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
      '-D FLANNEL-FWD -d 10.5.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
      '-A FLANNEL-FWD -d 10.5.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
      'COMMIT',
      '',
    ].join('\n'),
  );
  t.is(deletePayload(rules, [false, true, false]), '*filter\n-D FLANNEL-FWD -s 10.5.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT\nCOMMIT\n');
  t.is(deletePayload(rules, [false, false, false]), '');
});

test('--random-fully needs iptables 1.6.2 or newer', (t) => {
  t.true(supportsRandomFully('iptables v1.8.9 (nf_tables)'));
  t.true(supportsRandomFully('iptables v1.6.2'));
  t.false(supportsRandomFully('iptables v1.6.1'));
  t.false(supportsRandomFully('iptables v1.4.21'));
  t.false(supportsRandomFully('garbage'));
});
