import { Readable } from 'node:stream';
import { fetch, type Dispatcher } from 'undici';
import { BadGatewayError, InvalidInputError, UnavailableError } from '../../core/errors.js';
import type { IngestSource } from './ingest-runner.js';

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
  return url;
}

/** Open an HTTP(S) download (redirects followed; `dispatcher` for a registry's TLS settings); a non-200 answer or no answer fails the import with the reason. */
export async function openHttpSource(url: URL, signal: AbortSignal, headers: Record<string, string> = {}, dispatcher?: Dispatcher): Promise<IngestSource> {
  let res;
  try {
    res = await fetch(url, { signal, redirect: 'follow', headers, ...(dispatcher ? { dispatcher } : {}) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new UnavailableError(`Could not reach ${url.origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new BadGatewayError(`${url.origin}${url.pathname} answered HTTP ${res.status}`, { status: res.status });
  }
  const length = res.headers.get('content-length');
  const size = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
  return { stream: Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), ...(size !== undefined ? { size } : {}) };
}
