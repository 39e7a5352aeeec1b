/**
 * Who may use the course page: it hands out root shells, so every HTTP request and WebSocket
 * upgrade must carry the random token printed at start (as notebook servers do), name this
 * server in its Host header (no DNS rebinding), and a WebSocket must come from this server's own
 * page (Origin). Pure: request facts in, a verdict out.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export interface RequestFacts {
  /** The request target, e.g. /api/topology?token=… */
  url: string;
  host?: string;
  origin?: string;
  /** A WebSocket upgrade (Origin then required). */
  upgrade: boolean;
}

export type Verdict = { ok: true; path: string; params: URLSearchParams } | { ok: false; status: 401 | 403; reason: string };

/**
 * `hosts`: the Host header values this server answers to (e.g. 127.0.0.1:8765, localhost:8765).
 * The reason never contains the token, given or expected.
 */
export function admit(request: RequestFacts, token: string, hosts: readonly string[]): Verdict {
  const verdict = admitAny(request, [token], hosts);
  return verdict.ok ? { ok: true, path: verdict.path, params: verdict.params } : verdict;
}

/**
 * The same checks for a server with several tokens (a class: one per student and the teacher's):
 * an admitted request says whose token it carried, as its index in `tokens`. Every token is
 * compared in constant time, so the time taken says nothing about which one nearly matched.
 */
export function admitAny(
  request: RequestFacts,
  tokens: readonly string[],
  hosts: readonly string[],
): { ok: true; path: string; params: URLSearchParams; seat: number } | Extract<Verdict, { ok: false }> {
  const url = new URL(request.url, 'http://server.invalid');
  if (!request.host || !hosts.includes(request.host.toLowerCase())) return { ok: false, status: 403, reason: 'unexpected Host header' };
  const given = url.searchParams.get('token') ?? '';
  let seat = -1;
  tokens.forEach((token, i) => {
    if (sameSecret(given, token) && seat < 0) seat = i;
  });
  if (seat < 0) return { ok: false, status: 401, reason: given ? 'wrong token' : 'no token' };
  if (request.upgrade) {
    if (!request.origin) return { ok: false, status: 403, reason: 'WebSocket without Origin' };
    if (!hosts.some((h) => request.origin === `http://${h}`)) return { ok: false, status: 403, reason: 'WebSocket from another origin' };
  }
  return { ok: true, path: url.pathname, params: url.searchParams, seat };
}

/** The Host header values for a server bound to `bind` on `port`. */
export function hostHeaders(bind: string, port: number): string[] {
  const names = new Set([bind]);
  if (bind === '127.0.0.1' || bind === '::1' || bind === 'localhost') for (const n of ['127.0.0.1', 'localhost', '[::1]']) names.add(n);
  return [...names].map((n) => `${n.includes(':') && !n.startsWith('[') ? `[${n}]` : n}:${port}`.toLowerCase());
}

/** Binding anywhere but loopback exposes root shells to the network. */
export function isLoopback(bind: string): boolean {
  return bind === 'localhost' || bind === '::1' || /^127\./.test(bind);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
