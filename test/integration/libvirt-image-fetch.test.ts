/**
 * Base-image fetching and verification of the Volume provider, against a real HTTP server on
 * loopback: download into the cache, reuse of a verified cached copy, checksums pinned or read
 * from SHA256SUMS / BSD CHECKSUM files, and clear failures that leave no partial file behind.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { localImage } from '../../infra/libvirt/image-source.ts';

const image = Buffer.from(`QFI\xfb${'x'.repeat(100_000)}`, 'binary');
const digest = createHash('sha256').update(image).digest('hex');
const files: Record<string, Buffer | string> = {
  '/images/base.qcow2': image,
  '/images/SHA256SUMS': `${'0'.repeat(64)} *other.img\n${digest} *base.qcow2\n`,
  '/images/CHECKSUM': `# base\nSHA256 (base.qcow2) = ${digest}\n`,
  '/images/EMPTYSUMS': `${'1'.repeat(64)}  unrelated.img\n`,
};
const requests: string[] = [];
let server: Server;
let origin = '';
const work = mkdtempSync(join(tmpdir(), 'labbench-fetch-'));

test.before(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files[req.url ?? ''];
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after.always(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

const downloads = () => requests.filter((r) => r === '/images/base.qcow2').length;

test.serial('a URL with a pinned sha256 is downloaded once into the cache, then reused', async (t) => {
  const cacheDir = join(work, 'cache-pinned');
  const before = downloads();
  const first = await localImage({ source: `${origin}/images/base.qcow2`, sha256: digest.toUpperCase(), cacheDir });
  t.is(first.sha256, digest);
  t.is(first.path, join(cacheDir, `${digest.slice(0, 16)}-base.qcow2`));
  t.deepEqual(readFileSync(first.path), image);
  const second = await localImage({ source: `${origin}/images/base.qcow2`, sha256: digest, cacheDir });
  t.is(second.path, first.path);
  t.is(downloads() - before, 1, 'the verified cached copy is reused');
});

for (const sums of ['SHA256SUMS', 'CHECKSUM']) {
  test.serial(`the expected digest can come from a published ${sums} file`, async (t) => {
    const result = await localImage({ source: `${origin}/images/base.qcow2`, checksumUrl: `${origin}/images/${sums}`, cacheDir: join(work, `cache-${sums}`) });
    t.is(result.sha256, digest);
  });
}

test.serial('a wrong checksum fails clearly and keeps nothing', async (t) => {
  const cacheDir = join(work, 'cache-wrong');
  const wrong = 'f'.repeat(64);
  const err = await t.throwsAsync(localImage({ source: `${origin}/images/base.qcow2`, sha256: wrong, cacheDir }));
  t.is(err!.message.split('\n')[0], `sha256 mismatch for ${origin}/images/base.qcow2: expected ${wrong}, got ${digest}`);
  t.deepEqual(readdirSync(cacheDir), []);
});

/** Failure cases; `source` and `checksumUrl` are paths on the loopback server. */
const failures: [string, { source: string; sha256?: string; checksumUrl?: string }, RegExp][] = [
  ['HTTP 404', { source: '/missing.qcow2', sha256: '0'.repeat(64) }, /answered HTTP 404/],
  ['checksum file without the image', { source: '/images/base.qcow2', checksumUrl: '/images/EMPTYSUMS' }, /lists no SHA-256 for base\.qcow2/],
  ['no checksum at all', { source: '/images/base.qcow2' }, /no checksum for .*images are always verified/s],
  ['malformed digest', { source: '/images/base.qcow2', sha256: 'abc' }, /is not a 64-digit hex SHA-256/],
];
for (const [name, paths, message] of failures) {
  test.serial(`fails with a clear message: ${name}`, async (t) => {
    const input = {
      ...paths,
      source: origin + paths.source,
      ...(paths.checksumUrl !== undefined ? { checksumUrl: origin + paths.checksumUrl } : {}),
      cacheDir: join(work, 'cache-fail'),
    };
    await t.throwsAsync(localImage(input), { message });
  });
}

test.serial('a local path is verified in place', async (t) => {
  const path = join(work, 'local.qcow2');
  writeFileSync(path, image);
  t.deepEqual(await localImage({ source: path, sha256: digest, cacheDir: join(work, 'unused') }), { path, sha256: digest });
  await t.throwsAsync(localImage({ source: path, sha256: '0'.repeat(64), cacheDir: join(work, 'unused') }), {
    message: /^sha256 mismatch for .*local\.qcow2: expected 0{64}, got [0-9a-f]{64}\n {2}hint: /,
  });
  await t.throwsAsync(localImage({ source: join(work, 'nope.qcow2'), sha256: digest, cacheDir: join(work, 'unused') }), {
    message: /cannot read the image .*nope\.qcow2: ENOENT/,
  });
});
