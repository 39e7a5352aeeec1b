import test from 'ava';
import { parseDockerTable, parseNetworkLs } from '../../src/scenario/lib/parse-docker.ts';

test('docker network ls from the document (3.6)', (t) => {
  const text = `NETWORK ID     NAME        DRIVER    SCOPE
bfc4c0967814   bridge      bridge    local
7795f1590219   host        host      local
2c0661a197a8   network01   bridge    local
f51895b1b51b   network02   bridge    local
b40fff01bd6c   none        null      local
`;
  t.deepEqual(
    parseNetworkLs(text).map((r) => [r.id, r.name, r.driver, r.scope]),
    [
      ['bfc4c0967814', 'bridge', 'bridge', 'local'],
      ['7795f1590219', 'host', 'host', 'local'],
      ['2c0661a197a8', 'network01', 'bridge', 'local'],
      ['f51895b1b51b', 'network02', 'bridge', 'local'],
      ['b40fff01bd6c', 'none', 'null', 'local'],
    ],
  );
});

test('docker node ls: columns by header position, an empty cell and the * marker', (t) => {
  const text = `ID                            HOSTNAME   STATUS    AVAILABILITY   MANAGER STATUS   ENGINE VERSION
6s1zhgbrxi6ovonpw1hb7jgk0 *   hostA      Ready     Active         Leader           20.10.24+dfsg1
ffddrlpvebfcwbm11ubykm777     hostB      Ready     Active                          20.10.24+dfsg1
`;
  t.deepEqual(parseDockerTable(text), [
    {
      ID: '6s1zhgbrxi6ovonpw1hb7jgk0 *',
      HOSTNAME: 'hostA',
      STATUS: 'Ready',
      AVAILABILITY: 'Active',
      'MANAGER STATUS': 'Leader',
      'ENGINE VERSION': '20.10.24+dfsg1',
    },
    { ID: 'ffddrlpvebfcwbm11ubykm777', HOSTNAME: 'hostB', STATUS: 'Ready', AVAILABILITY: 'Active', 'MANAGER STATUS': '', 'ENGINE VERSION': '20.10.24+dfsg1' },
  ]);
  t.deepEqual(parseDockerTable(''), []);
  t.deepEqual(parseDockerTable('NETWORK ID   NAME\n'), []);
});
