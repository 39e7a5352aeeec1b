import test from 'ava';
import { stateRoot } from '../../src/machine/state-root.ts';
import { statePaths } from '../../src/providers/local/paths.ts';

test('the state root: $LABBENCH_HOME, else $XDG_STATE_HOME/labbench, else ~/.local/state/labbench', (t) => {
  t.is(stateRoot({ LABBENCH_HOME: '/var/lib/lb', XDG_STATE_HOME: '/x' }).root, '/var/lib/lb');
  t.is(stateRoot({ XDG_STATE_HOME: '/x' }).root, '/x/labbench');
  t.regex(stateRoot({}).root, /\/\.local\/state\/labbench$/);
});

test('labs, locks and caches sit where existing state has them; a lab name cannot escape locks/', (t) => {
  const root = stateRoot({ LABBENCH_HOME: '/s' });
  t.is(root.labDir('twin'), '/s/labs/twin');
  t.is(root.labLock('twin'), '/s/locks/lab.twin.lock');
  t.is(root.labLock('../x'), '/s/locks/lab...%2Fx.lock');
  t.is(root.debs, '/s/debs');
  t.is(root.logs, '/s/logs');
});

test("the local provider's paths are built on the state root", (t) => {
  const paths = statePaths({ LABBENCH_HOME: '/s' });
  t.is(paths.root, '/s');
  t.is(paths.lab('twin').dir, stateRoot({ LABBENCH_HOME: '/s' }).labDir('twin'));
  t.is(paths.lab('twin').record, '/s/labs/twin/lab.json');
  t.is(paths.labLock('twin'), '/s/locks/lab.twin.lock');
  t.is(paths.engineLock, '/s/locks/engine.lock');
  t.is(paths.engine.socket, '/s/engine/docker.sock');
  t.is(paths.images, '/s/images');
  t.is(paths.tmp, '/s/tmp');
});
