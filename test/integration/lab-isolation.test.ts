/**
 * Labs side by side: a second lab started without --subnet while the first holds the default
 * LAN gets a free one and says which; `lab list` shows both; neither a host of lab 1 nor a
 * container on it gets an answer from lab 2's hosts (while they do reach their own LAN); and
 * `lab down --all` removes every lab.
 */
import test from 'ava';
import { HOST_IMAGE_PATHS } from '../../src/testbed/host-image.ts';
import { DEFAULT_SUBNET } from '../../src/testbed/testbed.ts';
import { cli, rootSkipReason } from '../support/cli.ts';

const skip = rootSkipReason();
const run = skip ? test.serial.skip : test.serial;
const title = (t: string) => (skip ? `${t} — skipped: ${skip}` : t);

const ONE = 'isoone';
const TWO = 'isotwo';

interface ListedLab {
  name: string;
  provider: string;
  subnet: string;
  state: string;
  hosts: { name: string; address: string }[];
}
const list = async (): Promise<ListedLab[]> => JSON.parse((await cli(['lab', 'list', '--json'])).stdout) as ListedLab[];
const exec = (lab: string, host: string, command: string) => cli(['lab', 'exec', host, '--name', lab, '--', command]);

test.after.always(async () => {
  if (skip) return;
  await cli(['lab', 'down', '--name', ONE]);
  await cli(['lab', 'down', '--name', TWO]);
});

run(title('two labs side by side: automatic subnet, lab list, no traffic between them, lab down --all'), async (t) => {
  const others = (await list()).filter((l) => l.name !== ONE && l.name !== TWO);
  const one = await cli(['lab', 'up', '--name', ONE]);
  t.is(one.code, 0, one.stderr);
  const two = await cli(['lab', 'up', '--name', TWO]);
  t.is(two.code, 0, two.stderr);

  const labs = await list();
  const a = labs.find((l) => l.name === ONE)!;
  const b = labs.find((l) => l.name === TWO)!;
  t.deepEqual([a.provider, a.state, a.hosts.length, b.provider, b.state, b.hosts.length], ['local', 'up', 2, 'local', 'up', 2]);
  t.not(a.subnet, b.subnet);
  if (a.subnet === DEFAULT_SUBNET)
    t.regex(
      two.stderr,
      new RegExp(`subnet ${DEFAULT_SUBNET.replace(/[./]/g, '\\$&')} is taken by lab "${ONE}": lab "${TWO}" gets ${b.subnet.replace(/[./]/g, '\\$&')}`),
    );
  const table = (await cli(['lab', 'list'])).stdout;
  t.regex(table, new RegExp(`^${ONE}\\s+local\\s+${a.subnet.replace(/[./]/g, '\\$&')}\\s+2\\s+up$`, 'm'));

  // Controls: lab 1's host and a container on it reach lab 1's other host.
  const [a1, a2] = a.hosts.map((h) => h.address);
  t.is((await exec(ONE, 'hostA', `ping -c 1 -W 2 ${a2}`)).code, 0, 'hostA reaches hostB of its own lab');
  const box = await exec(
    ONE,
    'hostA',
    `docker import --change 'CMD ["/bin/sh"]' ${HOST_IMAGE_PATHS.boxTarball} labbench/box >/dev/null && docker run -d --name probe labbench/box sleep 600`,
  );
  t.is(box.code, 0, box.stderr);
  t.is((await exec(ONE, 'hostA', `docker exec probe ping -c 1 -W 2 ${a2}`)).code, 0, 'a container on hostA reaches hostB of its own lab');

  for (const target of b.hosts) {
    const fromHost = await exec(ONE, 'hostA', `ping -c 2 -W 1 ${target.address}`);
    t.not(fromHost.code, 0, `${ONE}/hostA (${a1}) got an answer from ${TWO}/${target.name} (${target.address}): ${fromHost.stdout}`);
    t.notRegex(fromHost.stdout, /bytes from/);
    const ssh = await exec(ONE, 'hostA', `timeout 3 bash -c '</dev/tcp/${target.address}/22'`);
    t.not(ssh.code, 0, `${ONE}/hostA opened a TCP connection to ${TWO}/${target.name}:22`);
    const fromContainer = await exec(ONE, 'hostA', `docker exec probe ping -c 2 -W 1 ${target.address}`);
    t.not(fromContainer.code, 0, `a container on ${ONE}/hostA got an answer from ${TWO}/${target.name}: ${fromContainer.stdout}`);
    t.notRegex(fromContainer.stdout, /bytes from/);
  }

  if (others.length > 0) {
    // lab down --all would remove someone else's labs too: take ours down by name instead.
    t.log(`lab down --all not exercised: other labs are up (${others.map((l) => l.name).join(', ')})`);
    for (const name of [ONE, TWO]) t.is((await cli(['lab', 'down', '--name', name])).code, 0);
  } else {
    const all = await cli(['lab', 'down', '--all']);
    t.is(all.code, 0, all.stderr);
    t.regex(all.stdout, new RegExp(`2 lab\\(s\\) down: ${ONE}, ${TWO}`));
    t.deepEqual(await list(), []);
  }
  t.false((await list()).some((l) => l.name === ONE || l.name === TWO));
});
