/**
 * Building shell command lines from template literals, zx style: every interpolated value is
 * quoted, arrays become several quoted words. Nothing is ever hand-quoted by callers.
 *
 * Quoting is POSIX single quotes rather than zx's bash-only $'…', so the same line works in
 * sh and bash, and the transcript reads like the course document ('{"Network":…}').
 */
const SAFE = /^[\w@%+=:,./-]+$/;

/** One shell word holding exactly `value`. */
export function quote(value: string): string {
  if (value === '') return "''";
  if (SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export type Interpolation = string | number | boolean | RawShell | readonly (string | number)[];

/** A piece of shell text inserted without quoting (pipes, redirections built by labbench itself). */
export class RawShell {
  constructor(readonly text: string) {}
}

/** Marks text as already-safe shell syntax. Never use it for values that came from input. */
export function raw(text: string): RawShell {
  return new RawShell(text);
}

export function quoteArg(value: Interpolation): string {
  if (value instanceof RawShell) return value.text;
  if (Array.isArray(value)) return value.map((v) => quote(String(v))).join(' ');
  return quote(String(value));
}

/** Joins template pieces with quoted interpolations into one shell command line. */
export function buildCommand(pieces: TemplateStringsArray, args: readonly Interpolation[]): string {
  let out = pieces[0] ?? '';
  args.forEach((arg, i) => {
    out += quoteArg(arg) + (pieces[i + 1] ?? '');
  });
  return out.trim();
}
