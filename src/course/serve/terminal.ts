/**
 * One browser terminal = one WebSocket = one SSH login shell on a lab host, opened with the lab's
 * key and pinned host key like `pnpm lab shell`. Shell output goes to the page as binary frames
 * (xterm.js decodes UTF-8 across chunks); the page sends JSON: keystrokes and window sizes.
 * The host's own connection is closed with the socket, so a lab restart is picked up by the page
 * reconnecting.
 */
import type { WebSocket } from 'ws';
import type { InventoryHost } from '../../inventory.ts';
import { SshTransport } from '../../transports/ssh.ts';
import { formatError } from '../../errors.ts';

/** What the page sends over a terminal socket. */
export type TerminalMessage = { t: 'in'; d: string } | { t: 'resize'; cols: number; rows: number };

export function parseTerminalMessage(text: string): TerminalMessage | undefined {
  try {
    const m = JSON.parse(text) as Partial<{ t: string; d: unknown; cols: unknown; rows: unknown }>;
    if (m.t === 'in' && typeof m.d === 'string') return { t: 'in', d: m.d };
    if (m.t === 'resize' && isSize(m.cols) && isSize(m.rows)) return { t: 'resize', cols: m.cols, rows: m.rows };
  } catch {
    // not JSON: ignored like any other malformed message
  }
  return undefined;
}

const isSize = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0 && (v as number) <= 1000;

/** What else sees a terminal session: its recording, the teacher watching, the activity clock. */
export interface TerminalHooks {
  /** The shell is open. */
  onOpen?(size: { cols: number; rows: number }): void;
  onOutput?(chunk: Buffer): void;
  onResize?(cols: number, rows: number): void;
  /** The student typed (each keystroke message). */
  onInput?(): void;
  /** The session is over (shell ended or socket closed); called once. */
  onClose?(): void;
}

export async function attachTerminal(socket: WebSocket, host: InventoryHost, size: { cols: number; rows: number }, hooks: TerminalHooks = {}): Promise<void> {
  const status = (text: string) => socket.readyState === socket.OPEN && socket.send(JSON.stringify({ t: 'status', text }));
  if (!host.ssh) {
    status(`${host.name} cannot be reached over SSH, so it has no terminal here`);
    socket.close(1011, 'no ssh');
    return;
  }
  const ssh = new SshTransport(host.name, host.ssh);
  socket.on('close', () => void ssh.close());
  let shell;
  try {
    shell = await ssh.openShell({ term: 'xterm-256color', cols: size.cols, rows: size.rows });
  } catch (err) {
    status(formatError(err, false));
    socket.close(1011, 'ssh failed');
    await ssh.close();
    return;
  }
  if (socket.readyState !== socket.OPEN) {
    await ssh.close();
    return;
  }
  status(`connected: ${ssh.description}`);
  let closed = false;
  const ended = () => {
    if (closed) return;
    closed = true;
    hooks.onClose?.();
  };
  hooks.onOpen?.(size);
  const output = (chunk: Buffer) => {
    socket.send(chunk);
    hooks.onOutput?.(chunk);
  };
  shell.on('data', output);
  shell.stderr.on('data', output);
  shell.on('close', () => {
    ended();
    socket.close(1000, 'shell ended');
    void ssh.close();
  });
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    const m = parseTerminalMessage(data.toString());
    if (m?.t === 'in') {
      shell.write(m.d);
      hooks.onInput?.();
    } else if (m?.t === 'resize') {
      shell.setWindow(m.rows, m.cols, 0, 0);
      hooks.onResize?.(m.cols, m.rows);
    }
  });
  socket.on('close', () => {
    ended();
    shell.close();
  });
}
