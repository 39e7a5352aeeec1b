/**
 * SshTransport.close() releases its socket on every path: a host that answers the SSH goodbye, a
 * host that vanished (a VM destroyed right after its lab was closed: the FIN is acknowledged, the
 * other side never closes), and a handshake still under way. An ssh2 server and a TCP relay on
 * loopback stand in for the host; the relay can "pull the plug" and keep its side half-open.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import ssh2 from 'ssh2';
import { ProviderError } from '../../src/errors.ts';
import { formatKnownHosts, parsePublicKeyLine } from '../../src/transports/known-hosts.ts';
import { SshTransport } from '../../src/transports/ssh.ts';

const dir = mkdtempSync(join(tmpdir(), 'labbench-ssh-close-'));
const hostKey = ssh2.utils.generateKeyPairSync('ed25519');
const userKey = ssh2.utils.generateKeyPairSync('ed25519');
writeFileSync(join(dir, 'id_ed25519'), userKey.private, { mode: 0o600 });

/** The sockets of this process still open (each one keeps the process alive). */
const openSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

/** An SSH server answering every command with exit 0, and a relay in front of it that can vanish. */
async function fakeHost() {
  const serverSides = new Set<Promise<void>>();
  const sshd = new ssh2.Server({ hostKeys: [hostKey.private] }, (conn) => {
    serverSides.add(new Promise((resolve) => conn.on('close', () => resolve())));
    conn.on('error', () => {});
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('ready', () =>
      conn.on('session', (accept) =>
        accept().on('exec', (acceptExec) => {
          const stream = acceptExec();
          stream.exit(0);
          stream.end();
        }),
      ),
    );
  });
  const sshPort = await new Promise<number>((resolve) => sshd.listen(0, '127.0.0.1', () => resolve((sshd.address() as { port: number }).port)));
  const fronts: Socket[] = [];
  const backs: Socket[] = [];
  const relay = createServer({ allowHalfOpen: true }, (front) => {
    const back = createConnection(sshPort, '127.0.0.1');
    front.pipe(back).pipe(front);
    front.on('error', () => {});
    back.on('error', () => {});
    fronts.push(front);
    backs.push(back);
  });
  const port = await listen(relay);
  const knownHostsPath = join(dir, `known_hosts_${port}`);
  writeFileSync(knownHostsPath, formatKnownHosts([{ hosts: [`[127.0.0.1]:${port}`], ...parsePublicKeyLine(hostKey.public) }]));
  const endpoint = { host: '127.0.0.1', port, user: 'root', keyPath: join(dir, 'id_ed25519'), knownHostsPath };
  return {
    endpoint,
    serverSides,
    /** The host is gone: nothing reaches the SSH server any more, and the client's side is never closed. */
    async vanish() {
      for (const front of fronts) {
        front.unpipe();
        front.pause();
      }
      for (const back of backs) {
        back.unpipe();
        back.destroy();
      }
      await Promise.all(serverSides);
    },
    async stop() {
      for (const s of [...fronts, ...backs]) s.destroy();
      await Promise.all([new Promise((r) => relay.close(r)), new Promise((r) => sshd.close(r))]);
    },
  };
}

test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test.serial('close() after the host vanished drops the half-closed socket instead of keeping the process alive', async (t) => {
  const host = await fakeHost();
  const ssh = new SshTransport('hostA', host.endpoint);
  t.is((await ssh.exec('true')).exitCode, 0);
  await host.vanish();
  t.is(openSockets(), 2, 'the client socket and the relay side that never closes');
  await ssh.close();
  t.is(openSockets(), 1, 'only the relay side is left: the transport let go of its socket');
  await host.stop();
});

test.serial('close() ends a live session with the SSH goodbye: the server side closes', async (t) => {
  const host = await fakeHost();
  const ssh = new SshTransport('hostA', host.endpoint);
  t.is((await ssh.exec('true')).exitCode, 0);
  await ssh.close();
  await Promise.all(host.serverSides);
  t.is(host.serverSides.size, 1);
  await ssh.close();
  t.pass('a second close() is a no-op');
  await host.stop();
});

test.serial('close() during the handshake drops the connection at once and the pending command fails', async (t) => {
  const accepted: Socket[] = [];
  const silent = createServer((s) => accepted.push(s.on('error', () => {})));
  const port = await listen(silent);
  writeFileSync(join(dir, 'known_hosts_silent'), '');
  const ssh = new SshTransport('hostA', {
    host: '127.0.0.1',
    port,
    user: 'root',
    keyPath: join(dir, 'id_ed25519'),
    knownHostsPath: join(dir, 'known_hosts_silent'),
  });
  const pending = ssh.exec('true');
  await new Promise((r) => setTimeout(r, 200));
  await ssh.close();
  await t.throwsAsync(pending, { instanceOf: ProviderError });
  t.is(openSockets(), 1, 'only the silent server side of the connection is left');
  for (const s of accepted) s.destroy();
  await new Promise((r) => silent.close(r));
});
