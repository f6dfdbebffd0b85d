import { Readable } from 'node:stream';
import { fetch, type Dispatcher } from 'undici';
import { BadGatewayError, InvalidInputError, UnavailableError } from '../../core/errors.js';
import type { IngestSource } from './ingest-runner.js';
import type { WebDownloadGuard } from './web-download-guard.js';

/** Check an import URL before accepting the import: http(s) only, no credentials in it. */
export function checkImportUrl(uri: unknown): URL {
  if (typeof uri !== 'string') throw new InvalidInputError('The import method needs a "uri"');
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidInputError(`Not a URL: ${JSON.stringify(uri.slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidInputError(`web-download takes http(s) URLs, not ${url.protocol}`);
  if (url.username || url.password) throw new InvalidInputError('Import URLs may not carry credentials (user:password@)');
  return url;
}

/** Redirects a download follows, each checked like the first URL. */
const MAX_REDIRECTS = 5;

/**
 * Open an HTTP(S) download; a non-200 answer or no answer fails the import with the reason.
 * Redirects are followed here, at most 5: each must be an http(s) URL without credentials,
 * `headers` (a registry's token) go only to the origin they were meant for, and with a
 * `guard` every URL must pass its rules. `dispatcher` carries a registry's TLS settings.
 */
export async function openHttpSource(url: URL, signal: AbortSignal, headers: Record<string, string> = {}, dispatcher?: Dispatcher, guard?: WebDownloadGuard): Promise<IngestSource> {
  const origin = url.origin;
  let res;
  for (let hop = 0; ; hop++) {
    if (guard) await guard.check(url);
    try {
      const via = guard?.dispatcher ?? dispatcher;
      res = await fetch(url, { signal, redirect: 'manual', headers: url.origin === origin ? headers : {}, ...(via ? { dispatcher: via } : {}) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new UnavailableError(`Could not reach ${url.origin}: ${cause?.code === 'EPRIVATEADDRESS' ? cause.message : (cause?.code ?? cause?.message ?? (err as Error).message)}`);
    }
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || location === null) break;
    await res.body?.cancel().catch(() => undefined);
    if (hop >= MAX_REDIRECTS) throw new BadGatewayError(`${url.origin} redirected more than ${MAX_REDIRECTS} times`);
    let next: string;
    try {
      next = new URL(location, url).href;
    } catch {
      throw new BadGatewayError(`${url.origin} redirected to something that is not a URL`);
    }
    url = checkImportUrl(next);
  }
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new BadGatewayError(`${url.origin}${url.pathname} answered HTTP ${res.status}`, { status: res.status });
  }
  const length = res.headers.get('content-length');
  const size = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
  return { stream: Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), ...(size !== undefined ? { size } : {}) };
}
