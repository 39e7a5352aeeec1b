/**
 * The agent's log: one line per event on stderr (the journal under systemd), with a klog-like
 * level letter and time, as flanneld's lines look.
 */

/** Where the agent reports what it does. */
export interface AgentLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Shown only with -v 1 or more. */
  debug(message: string): void;
}

/** A log writing klog-style lines (`I0815 12:34:56.789012 message`) through `write`. */
export function klogStyleLog(verbosity: number, write: (line: string) => void = (line) => process.stderr.write(line)): AgentLog {
  const emit = (level: string, message: string): void => {
    const now = new Date();
    const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
    const stamp = `${pad(now.getMonth() + 1)}${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}000`;
    for (const line of message.split('\n')) write(`${level}${stamp} ${line}\n`);
  };
  return {
    info: (m) => emit('I', m),
    warn: (m) => emit('W', m),
    error: (m) => emit('E', m),
    debug: (m) => {
      if (verbosity > 0) emit('I', m);
    },
  };
}
