/**
 * Lab snapshots on a real lab with flannel running: flannel-two-host up to step 5 (course mode
 * solves steps 1–5), work done by hand, a save, everything broken, a restore — the work, etcd's
 * leases, each host's subnet and the inner containers (by their state) are back, and steps 6–7
 * pass. Then the snapshot as a file: bad and foreign files are refused with the lab untouched,
 * and the file starts the course on a second lab of another name and LAN, where steps 6–7 pass
 * too. `lab down` removes both labs and their snapshots, and leaves the exported file.
 */

import {
  copyFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGunzip, createGzip } from 'node:zlib';
import test, { type ExecutionContext } from 'ava';
import tar from 'tar-stream';
import { type Lab, openLab } from '../../src/lab.ts';
import { docker } from '../../src/providers/local/docker-cli.ts';
import { statePaths } from '../../src/providers/local/paths.ts';
import { containerName, LocalProvider } from '../../src/providers/local/provider.ts';
import { BOX_IMAGE } from '../../src/scenario/lib/box.ts';
import { waitFor } from '../../src/scenario/lib/host-steps.ts';
import { cli, rootSkipReason, startCli } from '../support/cli.ts';

const LAB = 's20-snap';
const SUBNET = '10.122.50.0/24';
const LAB2 = 's20-snap2';
const SUBNET2 = '10.122.51.0/24';
const CLASS_PREFIX = 's20c';
const CLASS_SUBNETS = '10.122.52.0/24';
const paths = statePaths();
const work = mkdtempSync(join(tmpdir(), 'labbench-snapshot-test-'));
const FILE = join(work, 'after-step5.lbsnap');

const skip = rootSkipReason();
const run = skip ? test.serial.skip : test.serial;
const title = (t: string) => (skip ? `${t} — skipped: ${skip}` : t);

async function withLab<T>(name: string, use: (l: Lab) => Promise<T>): Promise<T> {
  const l = await openLab((await new LocalProvider().inventory(name))!, { transport: 'ssh' });
  try {
    return await use(l);
  } finally {
    await l.close();
  }
}

interface Flannel {
  subnets: string[];
  leases: string[];
  endpoints: string[];
}

/** Each host's subnet.env subnet, etcd's leases (key and value) and flanneld's etcd endpoint, once flanneld runs. */
async function flannelState(l: Lab): Promise<Flannel> {
  const subnets: string[] = [];
  const endpoints: string[] = [];
  for (const h of l.hosts) {
    await waitFor(h, 'test -s /run/flannel/subnet.env && systemctl is-active --quiet flanneld docker', 90_000);
    subnets.push((await h.$`sed -n 's/^FLANNEL_SUBNET=//p' /run/flannel/subnet.env`).text());
    endpoints.push((await h.$`sed -n 's/^FLANNEL_ETCD_ENDPOINTS=//p' /etc/sysconfig/flanneld`).text());
  }
  const a = l.host('hostA');
  const keys = (await a.$`ETCDCTL_API=2 etcdctl ls /atomic.io/network/subnets`).lines().sort();
  const leases = await Promise.all(keys.map(async (k) => `${k} ${(await a.$`ETCDCTL_API=2 etcdctl get ${k}`).text()}`));
  return { subnets, leases, endpoints };
}

/** What was made by hand: files, inner containers with their states, a volume's content, an image tag. */
async function handWork(l: Lab): Promise<Record<string, string>> {
  const a = l.host('hostA');
  const b = l.host('hostB');
  await waitFor(b, `test "$(docker inspect -f '{{.State.Running}}' keeper 2>/dev/null)" = true`, 60_000).catch(() => {});
  const states = async (h: typeof a, names: string[]) => (await h.$({ nothrow: true })`docker inspect -f '{{.Name}} {{.State.Status}}' ${names}`).stdout.trim();
  return {
    fileA: (await a.$({ nothrow: true })`cat /root/handmade.txt`).text(),
    laterA: (await a.$({ nothrow: true })`cat /root/after-save.txt`).text(),
    containersA: await states(a, ['handmade', 'stopped']),
    containersB: await states(b, ['keeper', 'created-only']),
    volumeA: (await a.$({ nothrow: true })`docker run --rm -v handvol:/d ${BOX_IMAGE} cat /d/data`).text(),
    imageB: (await b.$({ nothrow: true })`docker image inspect -f '{{.Id}}' handmade:1`).text(),
  };
}

async function hostIds(lab: string): Promise<string[]> {
  const engine = { host: (await new LocalProvider().inventory(lab))!.hosts[0]!.container!.dockerHost };
  return Promise.all(['hostA', 'hostB'].map(async (h) => (await docker(engine, ['inspect', '-f', '{{.Id}}', containerName(lab, h)])).stdout.trim()));
}

/** The engine's images and volumes that belong to a lab (by tag prefix and label). */
async function labArtifacts(lab: string): Promise<string[]> {
  const engine = { host: `unix://${paths.engine.socket}` };
  const images = (await docker(engine, ['images', '--format', '{{.Repository}}:{{.Tag}}'], { nothrow: true })).stdout
    .split('\n')
    .filter((i) => i.includes(`:${lab}.`));
  const volumes = (await docker(engine, ['volume', 'ls', '-q', '--filter', `label=dev.labbench.lab=${lab}`], { nothrow: true })).stdout
    .split('\n')
    .filter(Boolean);
  const containers = (await docker(engine, ['ps', '-aq', '--filter', `label=dev.labbench.lab=${lab}`], { nothrow: true })).stdout.split('\n').filter(Boolean);
  return [...images, ...volumes.map((v) => `volume ${v}`), ...containers.map((c) => `container ${c}`)].sort();
}

/** Writes a copy of a snapshot file with its manifest changed by `change`. */
async function withManifest(from: string, to: string, change: (m: Record<string, unknown>) => void): Promise<void> {
  const extract = tar.extract();
  const pack = tar.pack();
  const out = createWriteStream(to);
  const done = new Promise<void>((resolve) => out.on('close', () => resolve()));
  pack.pipe(createGzip()).pipe(out);
  createReadStream(from)
    .pipe(createGunzip())
    .pipe(extract as unknown as Writable);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    let body = Buffer.concat(chunks);
    if (entry.header.name === 'labbench-snapshot.json') {
      const m = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      change(m);
      body = Buffer.from(JSON.stringify(m));
    }
    await new Promise<void>((resolve, reject) => pack.entry({ ...entry.header, size: body.length }, body, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
}

test.after.always(async () => {
  if (!skip) {
    await cli(['lab', 'down', '--name', LAB]);
    await cli(['lab', 'down', '--name', LAB2]);
  }
  rmSync(work, { recursive: true, force: true });
});

let before: { flannel: Flannel; work: Record<string, string>; knownHosts: string } | undefined;

run(
  title('flannel-two-host to step 5 and work by hand, saved; everything broken; restored: the work, the leases and the subnets are back, and steps 6–7 pass'),
  async (t) => {
    const start = await cli(['course', 'start', 'flannel-two-host', '--at', '6', '--name', LAB, '--subnet', SUBNET]);
    t.is(start.code, 0, start.stderr.slice(-2000));
    const made = await withLab(LAB, async (l) => {
      const a = l.host('hostA');
      const b = l.host('hostB');
      await a.$`echo made by hand > /root/handmade.txt`;
      await a.$`docker run -d --name handmade ${BOX_IMAGE} sleep 1000000 >/dev/null`;
      await a.$`docker run --name stopped ${BOX_IMAGE} true`;
      await a.$`docker volume create handvol >/dev/null && docker run --rm -v handvol:/d ${BOX_IMAGE} sh -c 'echo in a volume > /d/data'`;
      await b.$`docker run -d --restart always --name keeper ${BOX_IMAGE} sleep 1000000 >/dev/null`;
      await b.$`docker create --name created-only ${BOX_IMAGE} true >/dev/null`;
      await b.$`docker tag ${BOX_IMAGE} handmade:1`;
      return { flannel: await flannelState(l), work: await handWork(l) };
    });
    t.deepEqual(made.work, {
      fileA: 'made by hand',
      laterA: '',
      containersA: '/handmade running\n/stopped exited',
      containersB: '/keeper running\n/created-only created',
      volumeA: 'in a volume',
      imageB: made.work.imageB!,
    });
    t.regex(made.work.imageB ?? '', /^sha256:/);
    t.deepEqual(made.flannel.endpoints, ['"http://10.122.50.12:2379"', '"http://10.122.50.12:2379"']);
    before = { ...made, knownHosts: readFileSync(paths.lab(LAB).knownHosts, 'utf8') };
    // hostB's lease gets 30 s left before the save, and has expired by the restore: as after a
    // snapshot kept longer than flannel's 24 h TTL. The restore must put it back.
    const [leaseKey, leaseValue] = made.flannel.leases.find((l) => l.includes('"10.122.50.13"'))!.split(' ') as [string, string];
    await withLab(LAB, (l) => l.host('hostA').$`ETCDCTL_API=2 etcdctl set --ttl 30 ${leaseKey} ${leaseValue} >/dev/null`);
    const shortLease = Date.now();

    const save = await cli(['lab', 'snapshot', 'save', 'step5', '--name', LAB]);
    t.is(save.code, 0, save.stderr);
    t.regex(save.stdout, /snapshot "step5" of lab "s20-snap" saved/);
    const list = JSON.parse((await cli(['lab', 'snapshot', 'list', '--name', LAB, '--json'])).stdout) as {
      name: string;
      hosts: string[];
      bytes: { layers: number; volumes: number };
    }[];
    t.deepEqual(
      list.map((s) => [s.name, s.hosts]),
      [['step5', ['hostA', 'hostB']]],
    );
    t.true(list[0]!.bytes.volumes > 1e6 && list[0]!.bytes.layers > 0, JSON.stringify(list[0]!.bytes));
    // The lab ran on through the save (frozen, not stopped): the work is as it was.
    t.deepEqual(await withLab(LAB, handWork), made.work);

    await withLab(LAB, async (l) => {
      const a = l.host('hostA');
      const b = l.host('hostB');
      await a.$`rm /root/handmade.txt && echo after the save > /root/after-save.txt`;
      await a.$`docker rm -f handmade stopped >/dev/null && docker volume rm handvol >/dev/null`;
      await b.$`docker rm -f keeper created-only >/dev/null && docker rmi handmade:1 >/dev/null`;
      await b.$`systemctl stop flanneld`;
      await sleep(Math.max(0, shortLease + 35_000 - Date.now()));
      t.false((await a.$({ nothrow: true })`ETCDCTL_API=2 etcdctl get ${leaseKey}`).ok, "hostB's lease has expired in the running lab");
      await a.$`ETCDCTL_API=2 etcdctl rm --recursive /atomic.io/network/subnets >/dev/null`;
    });
    const restore = await cli(['lab', 'snapshot', 'restore', 'step5', '--name', LAB]);
    t.is(restore.code, 0, restore.stderr);
    t.regex(restore.stdout, /lab "s20-snap" is back at snapshot "step5" .*course progress: flannel-two-host, step 6/);

    const after = await withLab(LAB, async (l) => ({ flannel: await flannelState(l), work: await handWork(l) }));
    // Inner containers by their state: running ones run (keeper by its restart policy), the exited one stays exited, the created one created.
    t.deepEqual(after.work, made.work);
    t.deepEqual(after.flannel, made.flannel, 'each host has its subnet back, from its lease');
    t.is(readFileSync(paths.lab(LAB).knownHosts, 'utf8'), before.knownHosts, 'same host keys, pinned as before');

    for (const step of ['6', '7']) {
      const solve = await cli(['course', 'solve', '--step', step, '--name', LAB]);
      t.is(solve.code, 0, `step ${step}: ${solve.stdout.slice(-1500)}${solve.stderr.slice(-1500)}`);
      t.regex(solve.stdout, new RegExp(`⇒ step ${step} passes`));
    }
  },
);

run(
  title("export; a corrupt, a foreign, a newer-format, a wider-lab and another machine's file are each refused with one clear error and the lab untouched"),
  async (t) => {
    if (!before) return t.fail('the first test did not get as far as a snapshot');
    const exported = await cli(['lab', 'snapshot', 'export', 'step5', FILE, '--name', LAB]);
    t.is(exported.code, 0, exported.stderr);
    t.true(statSync(FILE).size > 1e6);
    t.deepEqual(readdirSync(paths.tmp), [], 'the export leaves no work files');

    const cut = join(work, 'cut.lbsnap');
    copyFileSync(FILE, cut);
    truncateSync(cut, Math.floor(statSync(cut).size / 2));
    const foreign = join(work, 'notes.tar.gz');
    await new Promise<void>((resolve) => {
      const pack = tar.pack();
      pack.entry({ name: 'notes.txt' }, 'a tar of something else\n');
      pack.finalize();
      pack
        .pipe(createGzip())
        .pipe(createWriteStream(foreign))
        .on('close', () => resolve());
    });
    const plain = join(work, 'plain.json');
    writeFileSync(plain, '{"not": "a snapshot"}');
    const newer = join(work, 'newer.lbsnap');
    await withManifest(FILE, newer, (m) => (m.formatVersion = 2));
    const wider = join(work, 'wider.lbsnap');
    await withManifest(FILE, wider, (m) => {
      const lab = m.lab as { hosts: { name: string; address: string; os: string; roles: string[] }[] };
      lab.hosts.push({ name: 'hostC', address: '10.122.50.14', os: 'debian-12', roles: ['flannel'] });
      (m.hosts as unknown[]).push({ ...(m.hosts as Record<string, unknown>[])[1], name: 'hostC' });
    });

    const elsewhere = join(work, 'elsewhere.lbsnap');
    await withManifest(FILE, elsewhere, (m) => ((m.hostImage as { diffIds: string[] }).diffIds = [`sha256:${'0'.repeat(64)}`]));

    const ids = await hostIds(LAB);
    const artifacts = await labArtifacts(LAB);
    const cases: [string, string[], RegExp][] = [
      ['cut', ['--as', 'cut'], new RegExp(`^error: file ${cut} is truncated or damaged \\(it ends before its last entry\\)\\n  hint: .*export it again`)],
      ['foreign', [], new RegExp(`^error: file ${foreign} is not a labbench snapshot: its first entry is "notes.txt", not labbench-snapshot.json`)],
      ['plain', [], new RegExp(`^error: file ${plain} is not a labbench snapshot: it is not gzip-compressed`)],
      [
        'newer',
        ['--as', 'newer'],
        new RegExp(`^error: file ${newer} is a labbench snapshot of format version 2; this labbench reads version 1\\n  hint: use the labbench that saved it`),
      ],
      ['wider', ['--as', 'wider'], new RegExp(`^error: file ${wider} cannot be imported into lab "s20-snap": it is a snapshot of a lab with 3 host\\(s\\)`)],
      [
        'elsewhere',
        ['--as', 'elsewhere'],
        new RegExp(
          `^error: file ${elsewhere} needs the host image it was saved on \\(.*\\), which this machine's engine does not have\\n  hint: .*--with-base`,
        ),
      ],
    ];
    for (const [what, extra, message] of cases) {
      const file = { cut, foreign, plain, newer, wider, elsewhere }[what]!;
      const r = await cli(['lab', 'snapshot', 'import', file, ...extra, '--name', LAB]);
      t.is(r.code, 1, what);
      t.regex(r.stderr.replace(/^ [✓✗].*\n/gm, ''), message, what);
      const course = await cli(['course', 'start', 'flannel-two-host', '--from', file, '--name', LAB]);
      t.is(course.code, 1, `course start --from ${what}`);
    }
    t.deepEqual(await hostIds(LAB), ids, 'the hosts were not touched');
    t.deepEqual(await labArtifacts(LAB), artifacts, 'no image, volume or container was added');
    t.deepEqual(readdirSync(paths.lab(LAB).snapshots), ['step5']);
    t.deepEqual(readdirSync(paths.tmp), []);
    t.is((await withLab(LAB, handWork)).fileA, 'made by hand');
  },
);

run(
  title(
    'the file starts the course on a lab of another name and LAN: same subnets, leases and endpoint moved to its addresses, the work there, steps 6–7 pass, reset restores it, the same file again is reused',
  ),
  async (t) => {
    if (!before || !existsSync(FILE)) return t.fail('no exported file from the tests before');
    const start = await cli(['course', 'start', 'flannel-two-host', '--from', FILE, '--name', LAB2, '--subnet', SUBNET2]);
    t.is(start.code, 0, start.stderr.slice(-2000));
    t.regex(
      start.stdout,
      /lab "s20-snap2" is the lab of .*after-step5\.lbsnap \(snapshot "step5", saved .* from lab "s20-snap"\)\nflannel-two-host — step 6\/7/,
    );
    const moved = (text: string) => text.replaceAll('10.122.50.', '10.122.51.');
    const there = await withLab(LAB2, async (l) => ({ flannel: await flannelState(l), work: await handWork(l) }));
    t.deepEqual(there.work, before.work);
    t.deepEqual(there.flannel.subnets, before.flannel.subnets, 'each host has the subnet it had in the saved lab');
    t.deepEqual(there.flannel.leases, before.flannel.leases.map(moved), "the leases name this lab's addresses");
    t.deepEqual(there.flannel.endpoints, ['"http://10.122.51.12:2379"', '"http://10.122.51.12:2379"']);

    for (const step of ['6', '7']) {
      const solve = await cli(['course', 'solve', '--step', step, '--name', LAB2]);
      t.is(solve.code, 0, `step ${step}: ${solve.stdout.slice(-1500)}${solve.stderr.slice(-1500)}`);
    }
    const reset = await cli(['course', 'reset', '--name', LAB2]);
    t.is(reset.code, 0, reset.stderr.slice(-2000));
    t.regex(reset.stdout, /flannel-two-host is back at snapshot "step5"/);
    const status = await cli(['course', 'status', '--name', LAB2]);
    t.regex(status.stdout, /on step 6 of 7/);
    const check = await cli(['course', 'check', '--step', '6', '--name', LAB2]);
    t.is(check.code, 1, 'step 6 is undone again by the reset');
    // The same file again: the snapshot already imported is used, not a second copy.
    const again = await cli(['course', 'start', 'flannel-two-host', '--from', FILE, '--name', LAB2]);
    t.is(again.code, 0, again.stderr.slice(-2000));
    t.regex(again.stderr, /lab "s20-snap2" already has this snapshot .* as "step5": using it/);
    t.deepEqual(readdirSync(paths.lab(LAB2).snapshots), ['step5']);
  },
);

run(title("a class started from the file: each student's lab is the saved lab, on its own LAN, at the step it was saved on"), async (t) => {
  if (!before || !existsSync(FILE)) return t.fail('no exported file from the tests before');
  const roster = join(work, 'class.txt');
  writeFileSync(roster, 'dora\n');
  const server = startCli([
    'course',
    'serve',
    '--class',
    roster,
    '--exercise',
    'flannel-two-host',
    '--from',
    FILE,
    '--prefix',
    CLASS_PREFIX,
    '--subnets',
    CLASS_SUBNETS,
    '--port',
    '0',
  ]);
  let printed = '';
  server.child.stdout!.on('data', (c: Buffer) => (printed += String(c)));
  try {
    for (let i = 0; i < 600 && !/^dora\s+http:\/\//m.test(printed) && server.child.exitCode === null; i++) await sleep(500);
    t.regex(printed, /^dora\s+http:\/\//m, `${printed}\n${(await Promise.race([server.done, sleep(1).then(() => null)]))?.stderr ?? ''}`);
    const lab = `${CLASS_PREFIX}-dora`;
    const there = await withLab(lab, async (l) => ({ flannel: await flannelState(l), work: await handWork(l) }));
    t.deepEqual(there.work, before.work, "the work done by hand in the saved lab is in the student's lab");
    t.deepEqual(there.flannel.subnets, before.flannel.subnets);
    t.deepEqual(there.flannel.endpoints, ['"http://10.122.52.12:2379"', '"http://10.122.52.12:2379"'], "on the student's own LAN");
    const status = await cli(['course', 'status', '--name', lab]);
    t.regex(status.stdout, /on step 6 of 7/, 'at the step the snapshot was saved on');
  } finally {
    server.child.kill('SIGINT');
    await server.done;
    const down = await cli(['course', 'serve', '--class', roster, '--prefix', CLASS_PREFIX, '--down']);
    t.is(down.code, 0, down.stderr);
  }
});

run(title('lab down removes both labs with their snapshots and images; the exported file stays'), async (t: ExecutionContext) => {
  for (const lab of [LAB, LAB2]) {
    const down = await cli(['lab', 'down', '--name', lab]);
    t.is(down.code, 0, down.stderr);
    t.deepEqual(await labArtifacts(lab), [], `nothing of ${lab} is left in the engine`);
    t.false(existsSync(paths.lab(lab).dir));
  }
  t.true(existsSync(FILE));
});
