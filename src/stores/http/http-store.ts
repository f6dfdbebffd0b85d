import { ReadOnlyStoreError, UnsupportedOperationError, InvalidKeyError, StoreProtocolError } from '../errors.js';
import { decodeKeyPath, encodeKeyPath, validateKey } from '../keys.js';
import type { ListEntry, ObjectInfo, ObjectReadStream, ObjectStore, ObjectWriter, ReadOptions } from '../object-store.js';
import { bytesInRange, normalizeRange, rangeHeader } from '../range.js';
import { emptyReadStream } from '../empty-read-stream.js';
import { HttpClient } from './http-client.js';
import type { HttpStoreOptions } from './http-options.js';
import { header, stripQuotes, translateStatus } from './http-errors.js';
import { rangedStream } from './ranged-response.js';

/** Read-only objects behind any HTTP(S) server: HEAD for size and etag, GET with Range for bytes. */
export class HttpStore implements ObjectStore {
  readonly type = 'http';
  readonly readOnly = true;
  readonly #base: URL | undefined;
  readonly #headers: Record<string, string>;
  readonly #client: HttpClient;

  constructor(readonly id: string, options: HttpStoreOptions) {
    this.#base = options.baseUrl === undefined ? undefined : new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.#headers = options.headers ?? {};
    this.#client = new HttpClient(options);
  }

  #url(key: string): URL {
    if (this.#base) return new URL(encodeKeyPath(validateKey(key)), this.#base);
    let url: URL;
    try {
      url = new URL(key);
    } catch {
      throw new InvalidKeyError(key, 'must be an absolute http(s) URL for a store without baseUrl');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidKeyError(key, 'must be an http(s) URL');
    if (url.username || url.password) throw new InvalidKeyError(key, 'must not carry credentials');
    if (key.includes('\0')) throw new InvalidKeyError(key, 'contains a NUL byte');
    return url;
  }

  async head(key: string): Promise<ObjectInfo> {
    const res = await this.#client.send(this.#url(key), { method: 'HEAD', privateHeaders: this.#headers, key, what: `HEAD ${key}` });
    await res.body.dump().catch(() => undefined);
    if (res.statusCode !== 200) throw translateStatus(res.statusCode, key, `HEAD ${key}`);
    const length = header(res.headers, 'content-length');
    if (length === undefined) throw new StoreProtocolError(`HEAD ${key}: no Content-Length`, { key });
    const modified = header(res.headers, 'last-modified');
    return {
      key,
      size: Number(length),
      etag: stripQuotes(header(res.headers, 'etag')),
      lastModified: modified ? new Date(modified) : undefined,
      contentType: header(res.headers, 'content-type'),
    };
  }

  async read(key: string, options: ReadOptions = {}): Promise<ObjectReadStream> {
    const range = normalizeRange(key, options);
    const url = this.#url(key);
    if (range.length === 0) {
      bytesInRange(key, range, (await this.head(key)).size);
      return emptyReadStream();
    }
    const rangeValue = rangeHeader(range);
    const res = await this.#client.open(url, {
      method: 'GET',
      headers: rangeValue ? { range: rangeValue } : {},
      privateHeaders: this.#headers,
      signal: options.signal,
      key,
      what: `GET ${key}`,
    });
    if (res.statusCode !== 200 && res.statusCode !== 206 && res.statusCode !== 416) {
      res.body.discard();
      throw translateStatus(res.statusCode, key, `GET ${key}`);
    }
    return rangedStream(res, { key, range, sizeOf: async () => (await this.head(key)).size });
  }

  async write(key: string): Promise<ObjectWriter> {
    throw new ReadOnlyStoreError({ key });
  }

  async delete(key: string): Promise<void> {
    throw new ReadOnlyStoreError({ key });
  }

  // eslint-disable-next-line require-yield
  async *list(): AsyncIterable<ListEntry> {
    throw new UnsupportedOperationError('an http store cannot list objects');
  }

  locationUrl(key: string): string {
    return this.#url(key).href;
  }

  keyOf(url: string): string | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username || parsed.password) return undefined;
    if (!this.#base) return parsed.href;
    if (parsed.origin !== this.#base.origin || parsed.search || !parsed.pathname.startsWith(this.#base.pathname)) return undefined;
    return decodeKeyPath(parsed.pathname.slice(this.#base.pathname.length));
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
