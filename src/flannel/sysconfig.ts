/**
 * `/etc/sysconfig/flanneld` and how the flanneld unit turns it into a command line: systemd
 * reads it as an EnvironmentFile, then expands `${VAR}` (one argument) and `$VAR` (split at
 * whitespace) in ExecStart. Pure, so the exact argv a host will run can be computed and tested.
 */
import { ConfigError } from '../errors.ts';

/** Where the RPM package, the document and labbench keep flanneld's settings. */
export const SYSCONFIG_PATH = '/etc/sysconfig/flanneld';

/** The variables the flanneld unit uses. */
export interface FlanneldSysconfig {
  etcdEndpoints: string;
  etcdPrefix: string;
  /** Extra flags, e.g. "-iface=eth1 -ip-masq"; left commented out when empty, like the RPM default. */
  options?: string;
}

/** The file in the RPM package's layout, with the given values. */
export function renderSysconfig(config: FlanneldSysconfig): string {
  const options = config.options?.trim() ?? '';
  return [
    '# Flanneld configuration options',
    '',
    '# etcd url location.  Point this to the server where etcd runs',
    `FLANNEL_ETCD_ENDPOINTS=${doubleQuote(config.etcdEndpoints)}`,
    '',
    '# etcd config key.  This is the configuration key that flannel queries',
    '# For address range assignment',
    `FLANNEL_ETCD_PREFIX=${doubleQuote(config.etcdPrefix)}`,
    '',
    '# Any additional options that you want to pass',
    options === '' ? '#FLANNEL_OPTIONS=""' : `FLANNEL_OPTIONS=${doubleQuote(options)}`,
    '',
  ].join('\n');
}

function doubleQuote(value: string): string {
  return `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

/**
 * Parses an EnvironmentFile like systemd: `KEY=VALUE` lines, `#`/`;` comment lines, values
 * with single quotes (literal), double quotes (backslash escapes) or none, and a trailing
 * backslash joining the next line.
 */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  const lines = joinContinuations(text.split(/\r?\n/));
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      throw new ConfigError(`environment file line ${index + 1} is not KEY=VALUE: ${rawLine}`, {
        hint: 'write settings like FLANNEL_ETCD_PREFIX="/atomic.io/network"',
      });
    }
    env[m[1]!] = unquoteValue(m[2]!, index + 1);
  }
  return env;
}

function joinContinuations(lines: string[]): string[] {
  const out: string[] = [];
  let pending = '';
  for (const line of lines) {
    if (/(^|[^\\])(\\\\)*\\$/.test(line) && !line.trimStart().startsWith('#')) {
      pending += line.slice(0, -1);
      continue;
    }
    out.push(pending + line);
    pending = '';
  }
  if (pending !== '') out.push(pending);
  return out;
}

function unquoteValue(value: string, lineNo: number): string {
  let out = '';
  let i = 0;
  let sawQuote = false;
  while (i < value.length) {
    const c = value[i]!;
    if (c === "'") {
      const end = value.indexOf("'", i + 1);
      if (end === -1) throw unterminated(lineNo);
      out += value.slice(i + 1, end);
      i = end + 1;
      sawQuote = true;
    } else if (c === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        out += value[i];
        i++;
      }
      if (i >= value.length) throw unterminated(lineNo);
      i++;
      sawQuote = true;
    } else if (c === '\\' && i + 1 < value.length) {
      out += value[i + 1];
      i += 2;
    } else {
      out += c;
      i++;
    }
  }
  // systemd strips trailing whitespace of unquoted values only.
  return sawQuote ? out : out.trimEnd();
}

function unterminated(lineNo: number): ConfigError {
  return new ConfigError(`environment file line ${lineNo} has an unterminated quote`, { hint: 'close the quote on the same line' });
}

/**
 * Expands an ExecStart argument list like systemd does: an argument that is exactly `$VAR`
 * becomes the value split at whitespace (quotes group words); `${VAR}` anywhere becomes the
 * value verbatim inside that one argument. Unset variables expand to nothing.
 */
export function expandExecArgs(args: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  for (const arg of args) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(arg);
    if (whole) {
      out.push(...splitWords(env[whole[1]!] ?? ''));
      continue;
    }
    out.push(arg.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? ''));
  }
  return out;
}

/** Splits at whitespace; single or double quotes keep a word together and are removed. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: string | undefined;
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = undefined;
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}
