/**
 * The pure parts of lab snapshots (manifest, lab shape, address moves, etcd's leases) and the
 * snapshot file's reader and writer on small files made here: a file that is not one, cut short,
 * changed, of another format version or of another lab shape is refused with one clear error.
 */

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { addressChanges, rewriteAddresses } from '../../src/snapshot/address-map.ts';
import { expiringKeys, flattenV2, planEtcdRestore } from '../../src/snapshot/etcd-keys.ts';
import { MANIFEST_ENTRY, readSnapshotFile, writeSnapshotFile } from '../../src/snapshot/file.ts';
import {
  checkSnapshotName,
  parseManifest,
  SNAPSHOT_FORMAT,
  SNAPSHOT_FORMAT_VERSION,
  type SnapshotManifest,
  shapeMismatch,
} from '../../src/snapshot/manifest.ts';
import { documentSpec } from '../../src/testbed/testbed.ts';
import { cli } from '../support/cli.ts';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function manifestWith(files: Record<string, Buffer>, lab = documentSpec({ name: 'teacher' })): SnapshotManifest {
  const file = (path: string) => ({ path, bytes: files[path]!.length, sha256: sha(files[path]!) });
  return {
    format: SNAPSHOT_FORMAT,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    id: '6f1c4c9e-0000-4000-8000-000000000001',
    name: 'after-step5',
    savedAt: '2026-12-07T03:00:00.000Z',
    labbenchVersion: '0.1.0',
    provider: 'local',
    lab,
    hostImage: { tag: 'labbench/host:abc', diffIds: ['sha256:base'] },
    hosts: lab.hosts.map((h) => ({
      name: h.name,
      image: { id: `sha256:${h.name}`, diffIds: ['sha256:base', `sha256:${h.name}-layer`] },
      volume: file(`${h.name}.docker-volume.tar`),
      runningContainers: [],
      activeServices: ['docker'],
      addressFiles: [],
    })),
    images: { files: [file('images/manifest.json')], withBase: false },
  };
}

function fixture(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-snapshot-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, Buffer> = {
    'hostA.docker-volume.tar': Buffer.from('volume of host A '.repeat(1000)),
    'hostB.docker-volume.tar': Buffer.from('volume of host B '.repeat(1000)),
    'images/manifest.json': Buffer.from('[{"Config":"x.json","RepoTags":null,"Layers":[]}]'),
  };
  for (const [path, content] of Object.entries(files)) {
    const at = join(dir, 'src', path);
    mkdirSync(join(at, '..'), { recursive: true });
    writeFileSync(at, content);
  }
  return { dir, files, source: (p: string) => join(dir, 'src', p) };
}

test('a snapshot name goes into image tags and file names: letters, digits, _ and - only', (t) => {
  t.is(checkSnapshotName('after-step5'), 'after-step5');
  t.is(checkSnapshotName('Chapter_3'), 'Chapter_3');
  for (const bad of ['', 'a.b', '-x', 'a/b', 'x'.repeat(41), undefined]) t.throws(() => checkSnapshotName(bad), { message: /snapshot name .* is not valid/ });
});

test('a manifest names its source in every error: not JSON, not ours, another format version, incomplete', (t) => {
  const good = manifestWith({
    'hostA.docker-volume.tar': Buffer.from('a'),
    'hostB.docker-volume.tar': Buffer.from('b'),
    'images/manifest.json': Buffer.from('[]'),
  });
  t.deepEqual(parseManifest(JSON.stringify(good), 'file x', 'fix'), good);
  t.throws(() => parseManifest('{', 'file x', 'fix'), { message: 'file x is not a labbench snapshot: its manifest is not JSON' });
  t.throws(() => parseManifest('{"format":"other"}', 'file x', 'fix'), { message: /file x is not a labbench snapshot \(its manifest has no "format"/ });
  const err = t.throws(() => parseManifest(JSON.stringify({ ...good, formatVersion: 2 }), 'file x', 'fix'));
  t.is(err?.message, `file x is a labbench snapshot of format version 2; this labbench reads version ${SNAPSHOT_FORMAT_VERSION}`);
  t.regex((err as { hint?: string }).hint ?? '', /labbench that saved it \(version 0\.1\.0\)/);
  t.throws(() => parseManifest(JSON.stringify({ ...good, hosts: [good.hosts[0]] }), 'file x', 'fix'), { message: /its hosts do not match its lab shape/ });
  t.throws(
    () =>
      parseManifest(
        JSON.stringify({ ...good, hosts: [{ ...good.hosts[0], volume: { path: '../../etc/passwd', bytes: 1, sha256: 'x' } }, good.hosts[1]] }),
        'file x',
        'fix',
      ),
    { message: /host "hostA" is incomplete/ },
  );
});

test('a snapshot fits a lab of the same hosts (names, OS labels, roles) on any LAN, and no other', (t) => {
  const saved = documentSpec({ name: 'teacher' });
  t.is(shapeMismatch(saved, documentSpec({ name: 'student7', subnet: '10.122.7.0/24' })), undefined);
  t.is(
    shapeMismatch(saved, documentSpec({ name: 'big', hosts: 3 })),
    'it is a snapshot of a lab with 2 host(s) hostA (rocky-8.10, etcd+flannel), hostB (ubuntu-24.04, flannel); lab "big" has 3: hostA (rocky-8.10, etcd+flannel), hostB (ubuntu-24.04, flannel), hostC (debian-12, flannel)',
  );
  const relabelled = { ...saved, name: 'other', hosts: saved.hosts.map((h, i) => (i === 1 ? { ...h, os: 'debian-12' } : h)) };
  t.regex(shapeMismatch(saved, relabelled) ?? '', /hostB \(debian-12, flannel\)$/);
});

test("a lab on another LAN: each host keeps its name and takes that lab's address, rewritten only where it stands whole", (t) => {
  const changes = addressChanges(documentSpec({ name: 'teacher' }), documentSpec({ name: 'student', subnet: '10.122.7.0/24' }));
  t.deepEqual(changes, [
    { host: 'hostA', from: '192.168.100.12', to: '10.122.7.12' },
    { host: 'hostB', from: '192.168.100.13', to: '10.122.7.13' },
  ]);
  t.is(rewriteAddresses('FLANNEL_ETCD_ENDPOINTS="http://192.168.100.12:2379"\n', changes), 'FLANNEL_ETCD_ENDPOINTS="http://10.122.7.12:2379"\n');
  t.is(
    rewriteAddresses('192.168.100.120 1192.168.100.12 192.168.100.12.5 a192.168.100.13', changes),
    '192.168.100.120 1192.168.100.12 192.168.100.12.5 a192.168.100.13',
  );
  t.is(rewriteAddresses('{"PublicIP":"192.168.100.13"} (192.168.100.12).', changes), '{"PublicIP":"10.122.7.13"} (10.122.7.12).');
  // Two hosts swapping addresses: each moves once.
  t.is(
    rewriteAddresses('a=10.0.0.1 b=10.0.0.2', [
      { host: 'a', from: '10.0.0.1', to: '10.0.0.2' },
      { host: 'b', from: '10.0.0.2', to: '10.0.0.1' },
    ]),
    'a=10.0.0.2 b=10.0.0.1',
  );
  t.deepEqual(addressChanges(documentSpec(), documentSpec({ name: 'again' })), []);
});

test("etcd after a restore: flannel's leases come back with the time they had left and move to the lab's addresses", (t) => {
  const answer = {
    action: 'get',
    node: {
      dir: true,
      nodes: [
        {
          key: '/atomic.io',
          dir: true,
          nodes: [
            {
              key: '/atomic.io/network',
              dir: true,
              nodes: [
                { key: '/atomic.io/network/config', value: '{"Network":"172.20.0.0/16"}' },
                {
                  key: '/atomic.io/network/subnets',
                  dir: true,
                  nodes: [
                    {
                      key: '/atomic.io/network/subnets/172.20.28.0-24',
                      value: '{"PublicIP":"192.168.100.12","PublicIPv6":null}',
                      ttl: 86304,
                      expiration: '2026-12-08T02:47:47Z',
                    },
                    { key: '/atomic.io/network/subnets/172.20.95.0-24', value: '{"PublicIP":"192.168.100.13","PublicIPv6":null}', ttl: 86308 },
                  ],
                },
              ],
            },
          ],
        },
        { key: '/notes', value: 'etcd of 192.168.100.12' },
      ],
    },
  };
  const keys = flattenV2(answer);
  t.deepEqual(
    keys.map((k) => k.key),
    ['/atomic.io/network/config', '/atomic.io/network/subnets/172.20.28.0-24', '/atomic.io/network/subnets/172.20.95.0-24', '/notes'],
  );
  const saved = expiringKeys(keys);
  t.deepEqual(
    saved.map((k) => [k.key, k.ttl]),
    [
      ['/atomic.io/network/subnets/172.20.28.0-24', 86304],
      ['/atomic.io/network/subnets/172.20.95.0-24', 86308],
    ],
  );

  // Same LAN, a day later: the leases have expired; they are put back as they were.
  const now = keys.filter((k) => k.ttl === undefined);
  t.deepEqual(
    planEtcdRestore(saved, now, []),
    saved.map((k) => ({ key: k.key, value: k.value, ttl: k.ttl })),
  );
  // Another LAN: leases and any other value naming a host move; the rest is left alone.
  const moved = planEtcdRestore(saved, now, addressChanges(documentSpec(), documentSpec({ name: 's', subnet: '10.122.7.0/24' })));
  t.deepEqual(moved, [
    { key: '/atomic.io/network/subnets/172.20.28.0-24', value: '{"PublicIP":"10.122.7.12","PublicIPv6":null}', ttl: 86304 },
    { key: '/atomic.io/network/subnets/172.20.95.0-24', value: '{"PublicIP":"10.122.7.13","PublicIPv6":null}', ttl: 86308 },
    { key: '/notes', value: 'etcd of 10.122.7.12' },
  ]);
  t.deepEqual(flattenV2({ error: 'x' }), []);
});

test('a snapshot file round-trips: manifest first, every file checked and written out whole', async (t) => {
  const { dir, files, source } = fixture(t);
  const m = manifestWith(files);
  const file = join(dir, 'lab.lbsnap');
  await writeSnapshotFile(file, m, (f) => source(f.path));
  t.false(
    readdirSync(dir).some((n) => n.includes('.partial')),
    'no half file left beside it',
  );
  const into = join(dir, 'out');
  let seen: SnapshotManifest | undefined;
  const read = await readSnapshotFile(file, {
    into,
    check: (x) => {
      seen = x;
    },
  });
  t.deepEqual(read, m);
  t.deepEqual(seen, m);
  for (const [path, content] of Object.entries(files)) t.deepEqual(readFileSync(join(into, path)), content);
  // Checked only, nothing written.
  t.deepEqual(await readSnapshotFile(file), m);
  // The caller may stop the reading from its check: what it throws reaches it as it is.
  class Enough extends Error {}
  const stop = new Enough('already there');
  t.is(
    await t.throwsAsync(
      readSnapshotFile(file, {
        check: () => {
          throw stop;
        },
      }),
    ),
    stop,
  );
});

test('a bad or foreign snapshot file is refused with one clear error naming it', async (t) => {
  const { dir, files, source } = fixture(t);
  const file = join(dir, 'lab.lbsnap');
  await writeSnapshotFile(file, manifestWith(files), (f) => source(f.path));

  const cut = join(dir, 'cut.lbsnap');
  writeFileSync(cut, readFileSync(file));
  truncateSync(cut, Math.floor(statSync(cut).size * 0.7));
  await t.throwsAsync(readSnapshotFile(cut, { into: join(dir, 'cut-out') }), {
    message: `file ${cut} is truncated or damaged (it ends before its last entry)`,
  });

  const notGzip = join(dir, 'package.json');
  writeFileSync(notGzip, '{"name":"x"}');
  await t.throwsAsync(readSnapshotFile(notGzip), { message: `file ${notGzip} is not a labbench snapshot: it is not gzip-compressed` });
  await t.throwsAsync(readSnapshotFile(join(dir, 'nothing')), { message: `snapshot file ${join(dir, 'nothing')} does not exist` });
  const garbage = join(dir, 'garbage.gz');
  writeFileSync(garbage, gzipSync(Buffer.from('not a tar at all, just text '.repeat(40))));
  await t.throwsAsync(readSnapshotFile(garbage), { message: new RegExp(`^file ${garbage} (is truncated or damaged|is not a labbench snapshot)`) });

  // Another format version and another lab shape: refused from the manifest, before any file is read.
  const v2 = join(dir, 'v2.lbsnap');
  await writeSnapshotFile(v2, { ...manifestWith(files), formatVersion: 2 }, (f) => source(f.path));
  await t.throwsAsync(readSnapshotFile(v2), { message: `file ${v2} is a labbench snapshot of format version 2; this labbench reads version 1` });
  const wide = join(dir, 'wide.lbsnap');
  const three = documentSpec({ name: 'teacher', hosts: 3 });
  const wideFiles = { ...files, 'hostC.docker-volume.tar': Buffer.from('c') };
  writeFileSync(source('hostC.docker-volume.tar'), 'c');
  await writeSnapshotFile(wide, manifestWith(wideFiles, three), (f) => source(f.path));
  const target = documentSpec({ name: 'student' });
  await t.throwsAsync(
    readSnapshotFile(wide, {
      check: (m) => {
        const why = shapeMismatch(m.lab, target);
        if (why) throw new Error(why);
      },
    }),
    { message: /snapshot of a lab with 3 host\(s\)/ },
  );

  // One byte changed inside a file: its SHA-256 gives it away.
  const changed = join(dir, 'changed.lbsnap');
  const tampered = { ...files, 'hostB.docker-volume.tar': Buffer.from(files['hostB.docker-volume.tar']!.toString().replace('host B', 'host X')) };
  writeFileSync(source('hostB.docker-volume.tar'), tampered['hostB.docker-volume.tar']!);
  await writeSnapshotFile(changed, manifestWith(files), (f) => source(f.path));
  await t.throwsAsync(readSnapshotFile(changed), {
    message: `file ${changed} is damaged: hostB.docker-volume.tar does not have the SHA-256 its manifest gives`,
  });
  t.is(MANIFEST_ENTRY, 'labbench-snapshot.json');
});

test('the ssh and libvirt providers offer no snapshots: the CLI says so and why, with a non-zero exit', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-snapshot-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'key'), 'not used');
  writeFileSync(join(dir, 'known_hosts'), '');
  writeFileSync(
    join(dir, 'inventory.yaml'),
    [
      'lab: existing',
      'subnet: 192.168.100.0/24',
      'knownHosts: ./known_hosts',
      'hosts:',
      '  - {name: hostA, address: 192.168.100.12, os: rocky-8.10, roles: [etcd, flannel], user: root, key: ./key}',
      '  - {name: hostB, address: 192.168.100.13, os: ubuntu-24.04, roles: [flannel], user: root, key: ./key}',
      '',
    ].join('\n'),
  );
  const ssh = await cli(['lab', 'snapshot', 'save', 'x', '--provider', 'ssh', '--inventory', join(dir, 'inventory.yaml')]);
  t.is(ssh.code, 1);
  t.is(
    ssh.stderr.trim().split('\n')[0],
    'error: lab snapshots are not available with the ssh provider: its hosts are existing machines that labbench neither creates nor removes, so it cannot put their disks back as they were',
  );
  const libvirt = await cli(['lab', 'snapshot', 'list', '--provider', 'libvirt']);
  t.is(libvirt.code, 1);
  t.regex(libvirt.stderr, /^error: lab snapshots are not available with the libvirt provider: snapshots of VMs are not implemented/);
  t.regex(libvirt.stderr, /hint: labs of the local provider \(the default\) have them/);
});
