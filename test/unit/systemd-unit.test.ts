import test from 'ava';
import { parseUnitEnvironment } from '../../src/parsers/systemd-unit.ts';

test("a unit and its drop-in as `systemctl cat` prints them: every environment file in order, the drop-in's variables", (t) => {
  const text = [
    '# /lib/systemd/system/etcd.service',
    '[Service]',
    'Environment=ETCD_DATA_DIR=/var/lib/etcd/default',
    'EnvironmentFile=-/etc/default/%p',
    'ExecStart=/usr/bin/etcd $DAEMON_ARGS',
    '',
    '# /etc/systemd/system/etcd.service.d/labbench.conf',
    '# labbench: read /etc/etcd/etcd.conf after /etc/default/etcd',
    '[Service]',
    'Environment=ETCD_ENABLE_V2=true',
    'EnvironmentFile=-/etc/etcd/etcd.conf',
  ].join('\n');
  t.deepEqual(parseUnitEnvironment(text), {
    files: ['/etc/default/%p', '/etc/etcd/etcd.conf'],
    variables: { ETCD_DATA_DIR: '/var/lib/etcd/default', ETCD_ENABLE_V2: 'true' },
  });
});

test('quoted assignments, several on a line, and empty assignments that reset', (t) => {
  const text = 'Environment="A=one two" B=3\nEnvironmentFile=/etc/x\nEnvironmentFile=\nEnvironmentFile=/etc/y\nEnvironment=\nEnvironment=C=4';
  t.deepEqual(parseUnitEnvironment(text), { files: ['/etc/y'], variables: { C: '4' } });
  t.deepEqual(parseUnitEnvironment('Environment="A=one two" B=3'), { files: [], variables: { A: 'one two', B: '3' } });
});

test('no unit (etcd not installed yet): nothing', (t) => {
  t.deepEqual(parseUnitEnvironment(''), { files: [], variables: {} });
});
