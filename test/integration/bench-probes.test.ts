/**
 * The request-response probe and its echo server, bundled exactly as they go to the lab hosts,
 * run as separate node processes on loopback, under this node and under Debian 12's Node 18 (what
 * the hosts run): LABBENCH_NODE18, or the runner scripts/debian-node18.sh extracts.
 */

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import test from 'ava';
import { parseRrOutput } from '../../src/bench/measure/parsers/rr.ts';
import { buildProbeBundles } from '../../src/bench/measure/probes/bundle.ts';
import { startEchoServer } from '../../src/bench/measure/probes/echo.ts';
import { measureRoundTrips } from '../../src/bench/measure/probes/rr.ts';
import { statePaths } from '../../src/providers/local/paths.ts';

const QUICK = ['--time', '300', '--iterations', '1000', '--warmup-time', '50', '--warmup-iterations', '50'];

async function writeBundles(): Promise<{ dir: string; client: string; server: string }> {
  const bundles = await buildProbeBundles();
  const dir = await mkdtemp(join(tmpdir(), 'labbench-probes-'));
  const client = join(dir, bundles['rr-client'].fileName);
  const server = join(dir, bundles['echo-server'].fileName);
  await writeFile(client, bundles['rr-client'].code);
  await writeFile(server, bundles['echo-server'].code);
  return { dir, client, server };
}

function run(node: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts the bundled echo server and waits for its "listening" line. */
async function startBundledServer(node: string, script: string) {
  const child = spawn(node, [script, '--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
  });
  const ready = JSON.parse(first) as { probe: string; host: string; port: number };
  const stop = () =>
    new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });
  return { ready, stop };
}

async function roundTripOverBundles(t: import('ava').ExecutionContext, node: string, expectedVersionPrefix: string) {
  const { dir, client, server } = await writeBundles();
  const echo = await startBundledServer(node, server);
  try {
    t.is(echo.ready.probe, 'echo');
    t.is(echo.ready.host, '127.0.0.1');
    const result = await run(node, [client, '--host', '127.0.0.1', '--port', String(echo.ready.port), '--payload', '64', ...QUICK]);
    t.is(result.code, 0, result.stderr);
    const rr = parseRrOutput(result.stdout);
    t.true(rr.samples >= 1000, `${rr.samples} samples`);
    t.true(rr.p50 > 0 && rr.p50 <= rr.p99, `p50 ${rr.p50} p99 ${rr.p99}`);
    t.true(rr.mean > 0 && rr.mean < 100_000, `mean ${rr.mean} µs`);
    t.is(rr.payloadBytes, 64);
    t.true(rr.node.startsWith(expectedVersionPrefix), rr.node);
    t.log(`${rr.node}: p50 ${rr.p50.toFixed(1)} µs, p99 ${rr.p99.toFixed(1)} µs, mean ${rr.mean.toFixed(1)} µs over ${rr.samples} round trips`);
  } finally {
    t.is(await echo.stop(), 0, 'echo server exits cleanly on SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

test('bundles are self-contained ESM for node 18 (tinybench inlined, only node: builtins imported)', async (t) => {
  const bundles = await buildProbeBundles();
  for (const b of Object.values(bundles)) {
    const imports = [...b.code.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    t.true(
      imports.every((m) => m?.startsWith('node:')),
      `${b.name} imports ${imports.join(', ')}`,
    );
    t.true(b.fileName.endsWith('.mjs'));
  }
  t.regex(
    bundles['rr-client'].code,
    /node_modules\/tinybench\/dist\/index\.js\n[\s\S]*= class extends EventTarget/,
    'tinybench (its Bench) is inlined in the client bundle',
  );
});

test('bundled client and echo server on loopback under this node', async (t) => {
  await roundTripOverBundles(t, process.execPath, process.version);
});

/** A Node 18 runner: LABBENCH_NODE18, else the one scripts/debian-node18.sh extracts (setup does it). */
const node18 = process.env['LABBENCH_NODE18'] ?? [join(statePaths().root, 'node18', 'node18')].find((p) => existsSync(p));
if (node18) {
  test(`bundled client and echo server on loopback under Node 18 (${node18})`, async (t) => {
    await roundTripOverBundles(t, node18, 'v18.');
  });
} else {
  test.skip('bundled probes under Node 18: skipped, run scripts/debian-node18.sh (root, Debian 12) or set LABBENCH_NODE18 to a Node 18 binary', () => {});
}

test('in-process: measureRoundTrips against startEchoServer', async (t) => {
  const echo = await startEchoServer({ host: '127.0.0.1', port: 0 });
  try {
    const r = await measureRoundTrips({
      host: '127.0.0.1',
      port: echo.port,
      payloadBytes: 3000,
      timeMs: 200,
      iterations: 1000,
      warmupTimeMs: 20,
      warmupIterations: 20,
      timeoutMs: 2000,
    });
    t.is(r.probe, 'rr');
    t.is(r.unit, 'us');
    t.true(r.samples >= 1000);
    t.true(r.p50 <= r.p99);
  } finally {
    await echo.close();
  }
});

test('client against a closed port exits 1 and says why; bad arguments exit 2', async (t) => {
  const { dir, client } = await writeBundles();
  try {
    const echo = await startEchoServer({ host: '127.0.0.1', port: 0 });
    const closedPort = echo.port;
    await echo.close();
    const refused = await run(process.execPath, [client, '--host', '127.0.0.1', '--port', String(closedPort), ...QUICK]);
    t.is(refused.code, 1);
    t.regex(refused.stderr, /^rr-client: cannot connect to echo server 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    t.is(refused.stdout, '');
    const tooFew = await run(process.execPath, [client, '--host', '127.0.0.1', '--port', '1', '--iterations', '10']);
    t.is(tooFew.code, 2);
    t.regex(tooFew.stderr, /--iterations must be a number ≥ 1000, got 10/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
