import { readFileSync } from 'node:fs';
import { Agent, fetch, type Dispatcher, type RequestInit, type Response } from 'undici';
import { GlanceError, UnavailableError, type ErrorKind } from './errors.js';

/** TLS settings for talking to a server: a CA bundle to trust, or no verification at all. */
export interface ClientTls {
  ca_file?: string;
  insecure?: boolean;
}

/** Socket options for these TLS settings (undefined = Node's defaults). */
export function tlsConnectOptions(tls: ClientTls | undefined): { ca?: Buffer; rejectUnauthorized: boolean } | undefined {
  if (!tls || (!tls.ca_file && !tls.insecure)) return undefined;
  return { ...(tls.ca_file ? { ca: readFileSync(tls.ca_file) } : {}), rejectUnauthorized: !tls.insecure };
}

/** An undici dispatcher for these TLS settings (undefined = Node's defaults). */
export function dispatcherFor(tls: ClientTls | undefined): Dispatcher | undefined {
  const connect = tlsConnectOptions(tls);
  return connect ? new Agent({ connect }) : undefined;
}

const KIND_BY_STATUS: Record<number, ErrorKind> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_media_type',
  416: 'range_not_satisfiable',
  502: 'bad_gateway',
  503: 'unavailable',
};

/** Turn an error answer from one of our servers back into a typed error. */
export async function errorFromResponse(res: Response, what: string): Promise<GlanceError> {
  const text = await res.text().catch(() => '');
  let message = text.slice(0, 500) || res.statusText;
  let details: Record<string, unknown> | undefined;
  try {
    const body = JSON.parse(text) as { message?: string; code?: number; title?: string; [k: string]: unknown };
    if (body && typeof body.message === 'string') {
      message = body.message;
      const { message: _m, code: _c, title: _t, ...rest } = body;
      details = Object.keys(rest).length ? rest : undefined;
    }
  } catch {
    /* not JSON */
  }
  const kind = KIND_BY_STATUS[res.status] ?? (res.status >= 500 ? 'bad_gateway' : 'invalid');
  return new GlanceError(kind, what ? `${what}: ${message}` : message, { ...details, status: res.status });
}

/** A JSON HTTP client for one base URL with an optional token. */
export class JsonClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    readonly token: string | undefined,
    /** How to connect (the registry entry's TLS settings); for requests made beside this client. */
    readonly dispatcher?: Dispatcher,
    private readonly timeoutMs = 30_000,
    /** Prefix error messages with the request (off when they are passed on to our own callers). */
    private readonly namedErrors = true,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Send a request; non-2xx answers become typed errors, network failures UnavailableError. */
  async request(method: string, path: string, init: { body?: unknown; headers?: Record<string, string>; contentType?: string; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (this.token) headers['x-auth-token'] = this.token;
    const options: RequestInit = { method, headers };
    if (init.body !== undefined) {
      headers['content-type'] = init.contentType ?? 'application/json';
      options.body = JSON.stringify(init.body);
    }
    if (this.dispatcher) options.dispatcher = this.dispatcher;
    const timeout = AbortSignal.timeout(init.timeoutMs ?? this.timeoutMs);
    options.signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, options);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new UnavailableError(`${method} ${this.baseUrl}${path} failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`, undefined, { cause: err });
    }
    if (!res.ok) throw await errorFromResponse(res, this.namedErrors ? `${method} ${path}` : '');
    return res;
  }

  /** Send a request and parse the JSON answer (undefined for 204). */
  async json<T>(method: string, path: string, init: Parameters<JsonClient['request']>[2] = {}): Promise<T> {
    const res = await this.request(method, path, init);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
