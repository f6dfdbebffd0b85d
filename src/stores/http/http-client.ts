import { Agent, request, type Dispatcher } from 'undici';
import { StoreProtocolError } from '../errors.js';
import { ResponseBody } from './response-body.js';
import { translateNetworkError } from './http-errors.js';

/** Timeouts and pool size of one store's HTTP connections. */
export interface HttpClientOptions {
  /** Milliseconds to wait for a connection and for response headers (default 30 s): a dead server fails, never hangs. */
  timeoutMs?: number;
  /** Milliseconds a body may stall between two reads (default 60 s). */
  bodyTimeoutMs?: number;
  /** Most redirects followed per request (default 5). */
  maxRedirects?: number;
  /** Connections kept per origin (default 16). */
  connections?: number;
}

/** One request, as a store sends it. */
export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'POST';
  headers?: Record<string, string>;
  /** Headers that must not follow a redirect to another origin (credentials). */
  privateHeaders?: Record<string, string>;
  body?: Dispatcher.DispatchOptions['body'];
  signal?: AbortSignal | undefined;
  key?: string;
  /** Names the call in error messages. */
  what: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A response whose body streams straight from the dispatcher. */
export interface OpenResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: ResponseBody;
}

/**
 * A pooled undici client that follows redirects itself: to cap them, and to drop
 * credentials when a redirect leaves the origin they were configured for.
 */
export class HttpClient {
  readonly #agent: Agent;
  readonly #maxRedirects: number;

  constructor(options: HttpClientOptions = {}) {
    const timeout = options.timeoutMs ?? 30_000;
    this.#agent = new Agent({
      connect: { timeout },
      headersTimeout: timeout,
      bodyTimeout: options.bodyTimeoutMs ?? 60_000,
      connections: options.connections ?? 16,
      keepAliveTimeout: 10_000,
    });
    this.#maxRedirects = options.maxRedirects ?? 5;
  }

  /** Sends the request, following redirects (never for a body we cannot replay). Network errors come back as StoreErrors. */
  async send(url: URL, req: HttpRequest): Promise<Dispatcher.ResponseData> {
    let current = url;
    let privateHeaders = req.privateHeaders ?? {};
    for (let hop = 0; ; hop++) {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(current, {
          method: req.method,
          headers: { ...req.headers, ...privateHeaders },
          body: req.body,
          signal: req.signal,
          dispatcher: this.#agent,
        });
      } catch (err) {
        throw translateNetworkError(err, req.key, req.what);
      }
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode) || typeof location !== 'string' || req.body !== undefined) return res;
      await res.body.dump().catch(() => undefined);
      if (hop >= this.#maxRedirects) throw new StoreProtocolError(`${req.what}: more than ${this.#maxRedirects} redirects`, { key: req.key });
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new StoreProtocolError(`${req.what}: redirect to ${next.protocol}`, { key: req.key });
      if (next.origin !== current.origin) privateHeaders = {};
      current = next;
    }
  }

  /**
   * Sends a bodiless request and resolves at the response headers with a ResponseBody, for
   * large downloads (see ResponseBody). Redirects are followed as in send().
   */
  async open(url: URL, req: Omit<HttpRequest, 'body'>): Promise<OpenResponse> {
    let current = url;
    let privateHeaders = req.privateHeaders ?? {};
    for (let hop = 0; ; hop++) {
      const res = await this.#dispatch(current, { ...req, headers: { ...req.headers, ...privateHeaders } });
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode) || typeof location !== 'string') return res;
      res.body.discard();
      if (hop >= this.#maxRedirects) throw new StoreProtocolError(`${req.what}: more than ${this.#maxRedirects} redirects`, { key: req.key });
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new StoreProtocolError(`${req.what}: redirect to ${next.protocol}`, { key: req.key });
      if (next.origin !== current.origin) privateHeaders = {};
      current = next;
    }
  }

  #dispatch(url: URL, req: Omit<HttpRequest, 'body'>): Promise<OpenResponse> {
    const translate = (err: unknown) => translateNetworkError(err, req.key, req.what);
    const body = new ResponseBody(req.key ?? url.pathname, translate, req.signal);
    return new Promise((resolve, reject) => {
      let started = false;
      this.#agent.dispatch(
        { origin: url.origin, path: `${url.pathname}${url.search}`, method: req.method, headers: req.headers },
        {
          onRequestStart: (controller) => body.attach(controller),
          onResponseStart: (_controller, statusCode, headers) => {
            started = true;
            resolve({ statusCode, headers, body });
          },
          onResponseData: (controller, chunk) => {
            if (!body.accept(chunk)) controller.pause();
          },
          onResponseEnd: () => body.finish(),
          onResponseError: (_controller, err) => {
            if (started) body.fail(err);
            else reject(body.destroyed && body.errored ? body.errored : translate(err));
          },
        },
      );
    });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
