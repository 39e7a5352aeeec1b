/**
 * HTTP to etcd with a bound on every request and fail-over across the configured endpoints.
 * Uses the global fetch of Node 18+, no client library.
 */
import { LabbenchError } from '../../errors.ts';

/** etcd could not be reached, or answered in a way the agent cannot use. */
export class EtcdError extends LabbenchError {}

/** An HTTP answer from etcd, body already read. */
export interface EtcdResponse {
  status: number;
  headers: Headers;
  text: string;
  endpoint: string;
}

/** Options of one request. */
export interface EtcdRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  body?: string;
  contentType?: string;
  timeoutMs?: number;
}

const UNREACHABLE_HINT = 'check that etcd runs and listens on that address (ETCD_LISTEN_CLIENT_URLS) and that FLANNEL_ETCD_ENDPOINTS points to it';

/** Default bound on one request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/** A set of etcd endpoints; the last one that answered is tried first. */
export class EtcdHttp {
  readonly endpoints: readonly string[];
  private preferred = 0;

  constructor(
    endpoints: readonly string[],
    private readonly defaultTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ) {
    if (endpoints.length === 0) throw new EtcdError('no etcd endpoints given', { hint: 'set FLANNEL_ETCD_ENDPOINTS, e.g. http://192.168.100.12:2379' });
    this.endpoints = endpoints.map((e) => e.replace(/\/+$/, ''));
  }

  /** Sends the request to the endpoints in turn until one answers; throws EtcdError when none does. */
  async request(req: EtcdRequest): Promise<EtcdResponse> {
    const failures: string[] = [];
    for (let i = 0; i < this.endpoints.length; i++) {
      const index = (this.preferred + i) % this.endpoints.length;
      const endpoint = this.endpoints[index]!;
      const timeoutMs = req.timeoutMs ?? this.defaultTimeoutMs;
      try {
        const res = await withTimeout(timeoutMs, (signal) =>
          fetch(endpoint + req.path, {
            method: req.method,
            signal,
            ...(req.body !== undefined ? { body: req.body, headers: { 'content-type': req.contentType ?? 'application/json' } } : {}),
          }).then(async (r) => ({ status: r.status, headers: r.headers, text: await r.text(), endpoint })),
        );
        this.preferred = index;
        return res;
      } catch (err) {
        failures.push(`${endpoint}: ${describeFetchFailure(err, timeoutMs)}`);
      }
    }
    throw new EtcdError(`etcd is unreachable (${failures.join('; ')})`, { hint: UNREACHABLE_HINT });
  }

  /**
   * Opens a streaming request (a watch) and hands its body chunks to `onChunk` until it returns
   * true, the stream ends, or `maxMs` passes. Resolves normally on timeout: a quiet watch is fine.
   * A non-200 answer is an EtcdError unless `acceptStatus(status, body)` says it ends the wait.
   * Aborting `signal` ends the wait quietly too.
   */
  async stream(
    req: EtcdRequest,
    maxMs: number,
    onChunk: (text: string) => boolean,
    acceptStatus: (status: number, body: string) => boolean = () => false,
    signal?: AbortSignal,
  ): Promise<void> {
    if (signal?.aborted) return;
    const endpoint = this.endpoints[this.preferred]!;
    const controller = new AbortController();
    // Any abort (the bound, the caller's signal, or a satisfied onChunk) ends the wait normally.
    let ended = false;
    controller.signal.addEventListener('abort', () => (ended = true));
    const timer = setTimeout(() => controller.abort(), maxMs);
    const onAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onAbort);
    try {
      const res = await fetch(endpoint + req.path, {
        method: req.method,
        signal: controller.signal,
        ...(req.body !== undefined ? { body: req.body, headers: { 'content-type': req.contentType ?? 'application/json' } } : {}),
      });
      if (res.status !== 200 || !res.body) {
        const body = await res.text();
        if (acceptStatus(res.status, body)) return;
        throw new EtcdError(`etcd watch at ${endpoint}${req.path} answered HTTP ${res.status}: ${body.slice(0, 200)}`);
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        if (onChunk(decoder.decode(value, { stream: true }))) {
          controller.abort();
          return;
        }
      }
    } catch (err) {
      if (ended) return;
      if (err instanceof EtcdError) throw err;
      throw new EtcdError(`etcd is unreachable (${endpoint}: ${describeFetchFailure(err, maxMs)})`, { hint: UNREACHABLE_HINT });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

class RequestTimeout extends Error {}

async function withTimeout<T>(ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new RequestTimeout());
    }, ms);
  });
  try {
    return await Promise.race([run(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused — nothing listens there',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  UND_ERR_SOCKET: 'connection closed by the other side',
};

/** One phrase for why a fetch failed, from the error code Node puts in `cause`. */
export function describeFetchFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof RequestTimeout) return `no answer within ${timeoutMs / 1000}s`;
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const code = cause?.code;
  if (code && ERRNO_TEXT[code]) return `${ERRNO_TEXT[code]} (${code})`;
  if (code) return `${cause?.message ?? 'failed'} (${code})`;
  return err instanceof Error ? err.message : String(err);
}
