/**
 * What a page sends over its terminal socket: keystrokes and window sizes, as JSON. The shell
 * behind it (an SSH login shell on a lab host, opened with the lab's key and pinned host key
 * like `pnpm lab shell`) is terminal-hub.ts's; its output goes to the page as binary frames
 * (xterm.js decodes UTF-8 across chunks).
 */

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
