import test from 'ava';
import { renderStatus } from '../../src/cli/lab-status.ts';
import { labConditionOf, type ObservedHost } from '../../src/providers/lab-state.ts';

const host = (name: string, exists: boolean, running: boolean): ObservedHost => ({ name, exists, running });
const both = (a: [boolean, boolean], b: [boolean, boolean]) => [host('hostA', ...a), host('hostB', ...b)];

test('a lab whose hosts all run is up', (t) => {
  t.deepEqual(labConditionOf({ interrupted: false, engineAnswers: true, hosts: both([true, true], [true, true]) }), {
    state: 'up',
    notRunning: [],
    missing: [],
  });
});

test('hosts that all exist and none runs make the lab stopped: start brings them back', (t) => {
  t.deepEqual(labConditionOf({ interrupted: false, engineAnswers: true, hosts: both([true, false], [true, false]) }), {
    state: 'stopped',
    notRunning: ['hostA', 'hostB'],
    missing: [],
  });
});

test('one host running and one exited is partial (not stopped), and start brings back the one that is not running', (t) => {
  t.deepEqual(
    labConditionOf({ interrupted: false, engineAnswers: true, hosts: both([true, true], [true, false]) }),
    { state: 'partial', notRunning: ['hostB'], missing: [] },
    'a host powered off from inside',
  );
});

test('an engine that does not answer says nothing about the hosts: engine down, all to be started', (t) => {
  t.deepEqual(labConditionOf({ interrupted: false, engineAnswers: false, hosts: both([false, false], [false, false]) }), {
    state: 'engine down',
    notRunning: ['hostA', 'hostB'],
    missing: [],
  });
});

test('an interrupted up or a host that is gone makes the lab partial, naming what is missing', (t) => {
  t.is(labConditionOf({ interrupted: true, engineAnswers: true, hosts: both([true, true], [true, true]) }).state, 'partial');
  t.is(
    labConditionOf({ interrupted: true, engineAnswers: false, hosts: both([false, false], [false, false]) }).state,
    'partial',
    'interrupted wins over engine down',
  );
  t.deepEqual(labConditionOf({ interrupted: false, engineAnswers: true, hosts: both([true, false], [false, false]) }), {
    state: 'partial',
    notRunning: ['hostA'],
    missing: ['hostB'],
  });
  t.is(labConditionOf({ interrupted: false, engineAnswers: true, hosts: [] }).state, 'partial', 'a lab without hosts');
});

test('lab status shows the state and what to run next', (t) => {
  const text = renderStatus({
    name: 'x',
    provider: 'local',
    subnet: '10.0.0.0/24',
    state: 'stopped',
    hosts: [{ name: 'hostA', address: '10.0.0.12', os: 'rocky-8.10', platform: 'p', state: 'exited' }],
    details: { next: '`pnpm lab start --name x` starts hostA', empty: [] },
  });
  t.is(
    text,
    'lab "x" (local, 10.0.0.0/24): stopped\nHOST   ADDRESS    OS (label)  OS (machine)  RUNS AS  STATE\nhostA  10.0.0.12  rocky-8.10  -             p        exited\n  next: `pnpm lab start --name x` starts hostA\n',
  );
});
