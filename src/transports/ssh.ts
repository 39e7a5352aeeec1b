/**
 * SSH transport (ssh2): the main way into every host, local system containers and VMs alike.
 * One connection per host, a channel per command. The host key must match the key pinned in
 * the lab's known_hosts; anything else is refused with a HostKeyError.
 */
import { readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { posix } from 'node:path';
import ssh2 from 'ssh2';
import { type CommandResult, HostKeyError, ProviderError } from '../errors.ts';
import type { SshEndpoint } from '../inventory.ts';
import { quoteArg } from '../shell-quote.ts';
import { parseKnownHosts, pinnedFor } from './known-hosts.ts';
import { boundedCommandLine, boundedResult, type ExecOptions, type Transport, writeFileScript } from './transport.ts';

const CONNECT_TIMEOUT_MS = 20_000;
/** Grace after the remote `timeout` should have fired before the channel is dropped locally. */
const LOCAL_GRACE_MS = 10_000;
/**
 * How long close() waits for the host to answer the SSH goodbye before dropping the socket. A
 * host that is gone by then (a VM destroyed right after its lab was closed) never answers, and a
 * socket left half-closed would keep the process alive.
 */
const CLOSE_GRACE_MS = 2_000;

/** One SSH session: the client, once the handshake is done, over a TCP socket this transport owns. */
interface Connection {
  socket: Socket;
  client: ssh2.Client;
  ready: Promise<ssh2.Client>;
  isReady: boolean;
}

export class SshTransport implements Transport {
  readonly description: string;
  private connection?: Connection;

  constructor(
    private readonly hostName: string,
    private readonly endpoint: SshEndpoint,
  ) {
    this.description = `ssh ${endpoint.user}@${endpoint.host}${endpoint.port === 22 ? '' : `:${endpoint.port}`}`;
  }

  private connect(): Promise<ssh2.Client> {
    if (this.connection) return this.connection.ready;
    const { host, port, user, keyPath, knownHostsPath } = this.endpoint;
    const pinned = pinnedFor(parseKnownHosts(readFileSync(knownHostsPath, 'utf8')), host, port);
    let keyMismatch = false;
    const client = new ssh2.Client();
    const socket = createConnection({ host, port });
    // The callbacks below run once the socket is in use, after `connection` is set.
    const forget = () => {
      if (this.connection === connection) this.connection = undefined;
    };
    const ready = new Promise<ssh2.Client>((resolve, reject) => {
      client
        .on('ready', () => {
          connection.isReady = true;
          resolve(client);
        })
        .on('error', (err) => {
          forget();
          socket.destroy();
          if (keyMismatch) {
            reject(
              new HostKeyError(`the SSH host key of ${this.hostName} (${host}) does not match the key pinned for it in ${knownHostsPath}`, {
                hint: 'the host was replaced or tampered with; if you rebuilt it on purpose, run `pnpm lab down` and `pnpm lab up` to pin new keys',
              }),
            );
          } else {
            reject(
              new ProviderError(`cannot reach ${this.hostName} over SSH (${host}:${port}): ${err.message}`, {
                hint: 'is the lab up? `pnpm lab status` shows its hosts',
                cause: err,
              }),
            );
          }
        })
        .on('close', () => {
          forget();
          // Closed before the handshake finished without an error (close() during the handshake): a pending command must not wait forever.
          reject(
            new ProviderError(`the SSH connection to ${this.hostName} (${host}:${port}) closed before it was ready`, {
              hint: 'is the lab up? `pnpm lab status` shows its hosts',
            }),
          );
        })
        .connect({
          sock: socket,
          host,
          port,
          username: user,
          privateKey: readFileSync(keyPath),
          readyTimeout: CONNECT_TIMEOUT_MS,
          keepaliveInterval: 15_000,
          hostVerifier: (key: Buffer) => {
            const ok = pinned.includes(key.toString('base64'));
            if (!ok) keyMismatch = true;
            return ok;
          },
        });
    });
    const connection: Connection = { socket, client, ready, isReady: false };
    this.connection = connection;
    return ready;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<CommandResult> {
    const client = await this.connect();
    const started = performance.now();
    // The remote `timeout` kills what the command started; the local timer only guards a dead link.
    // Lab commands run as root; a non-root login (cloud images' rocky/ubuntu) goes through sudo.
    const sudo = this.endpoint.user === 'root' ? '' : 'sudo -n ';
    const wire = sudo + boundedCommandLine(command, options.timeoutMs);
    return new Promise<CommandResult>((resolve, reject) => {
      client.exec(wire, (err, stream) => {
        if (err) return reject(new ProviderError(`could not run a command on ${this.hostName}: ${err.message}`, { cause: err }));
        let stdout = '';
        let stderr = '';
        let exitCode: number | null = null;
        let signal: string | null = null;
        let timedOut = false;
        const timer = options.timeoutMs
          ? setTimeout(() => {
              timedOut = true;
              stream.close();
            }, options.timeoutMs + LOCAL_GRACE_MS)
          : undefined;
        const onAbort = () => stream.close();
        options.signal?.addEventListener('abort', onAbort, { once: true });
        stream.setEncoding('utf8');
        stream.stderr.setEncoding('utf8');
        stream.on('data', (c: string) => {
          stdout += c;
          options.onStdout?.(c);
        });
        stream.stderr.on('data', (c: string) => {
          stderr += c;
          options.onStderr?.(c);
        });
        stream.on('exit', (code: number | null, sig?: string) => {
          exitCode = code ?? null;
          signal = sig ?? null;
        });
        stream.on('close', () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          resolve(
            boundedResult({
              host: this.hostName,
              command,
              exitCode,
              signal,
              stdout,
              stderr,
              startedAt: started,
              timedOutLocally: timedOut,
              ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
            }),
          );
        });
        stream.end(options.input ?? '');
      });
    });
  }

  async put(remotePath: string, content: string | Buffer, mode = 0o644): Promise<void> {
    if (this.endpoint.user !== 'root') {
      // SFTP would write as the login user; through exec the write goes through sudo like every command.
      const w = await this.exec(writeFileScript(remotePath, mode), { input: content, timeoutMs: 60_000 });
      if (w.exitCode !== 0) throw new ProviderError(`could not write ${remotePath} on ${this.hostName}: ${w.stderr.trim() || w.signal}`);
      return;
    }
    const client = await this.connect();
    const dir = posix.dirname(remotePath);
    const mk = await this.exec(`mkdir -p ${quoteArg(dir)}`, { timeoutMs: 30_000 });
    if (mk.exitCode !== 0) throw new ProviderError(`could not create ${dir} on ${this.hostName}: ${mk.stderr.trim()}`);
    await new Promise<void>((resolve, reject) => {
      client.sftp((err, sftp) => {
        if (err) return reject(new ProviderError(`SFTP to ${this.hostName} failed: ${err.message}`, { cause: err }));
        sftp.writeFile(remotePath, content, { mode }, (werr) => {
          if (werr) {
            sftp.end();
            return reject(new ProviderError(`could not write ${remotePath} on ${this.hostName}: ${werr.message}`, { cause: werr }));
          }
          // writeFile's mode only applies to new files.
          sftp.chmod(remotePath, mode, (cerr) => {
            sftp.end();
            if (cerr) reject(new ProviderError(`could not chmod ${remotePath} on ${this.hostName}: ${cerr.message}`, { cause: cerr }));
            else resolve();
          });
        });
      });
    });
  }

  /** A login shell on a pseudo-terminal of the given size: the channel carries its input and output. */
  async openShell(window: { term: string; rows: number; cols: number }): Promise<ssh2.ClientChannel> {
    const client = await this.connect();
    return new Promise<ssh2.ClientChannel>((resolve, reject) => {
      client.shell(window, (err, stream) => {
        if (err) reject(new ProviderError(`could not open a shell on ${this.hostName}: ${err.message}`, { cause: err }));
        else resolve(stream);
      });
    });
  }

  async interactive(): Promise<number> {
    const stdin = process.stdin;
    const stdout = process.stdout;
    const stream = await this.openShell({ term: process.env.TERM ?? 'xterm', rows: stdout.rows ?? 24, cols: stdout.columns ?? 80 });
    return new Promise<number>((resolve) => {
      let code = 0;
      const onResize = () => stream.setWindow(stdout.rows ?? 24, stdout.columns ?? 80, 0, 0);
      if (stdin.isTTY) stdin.setRawMode(true);
      stdin.resume();
      stdin.pipe(stream);
      stream.pipe(stdout);
      stream.stderr.pipe(process.stderr);
      stdout.on('resize', onResize);
      stream.on('exit', (c: number | null) => (code = c ?? 0));
      stream.on('close', () => {
        stdout.off('resize', onResize);
        stdin.unpipe(stream);
        if (stdin.isTTY) stdin.setRawMode(false);
        stdin.pause();
        resolve(code);
      });
    });
  }

  /**
   * Ends the session and resolves once its socket is closed: politely (SSH disconnect, then the
   * host closes its side), or, when the host does not answer within CLOSE_GRACE_MS or the
   * handshake is not done yet, by dropping the socket. Nothing of the connection outlives it.
   */
  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (!connection || connection.socket.closed) return;
    const { socket, client } = connection;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    if (connection.isReady) client.end();
    else socket.destroy();
    const drop = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    await closed;
    clearTimeout(drop);
  }
}
