import type { PassThrough } from 'node:stream';
import type { Dispatcher } from 'undici';
import { emptyReadStream } from '../empty-read-stream.js';
import { ReadOnlyStoreError, StoreProtocolError } from '../errors.js';
import { HttpClient, type HttpRequest, type OpenResponse } from '../http/http-client.js';
import { header, translateStatus } from '../http/http-errors.js';
import { rangedStream } from '../http/ranged-response.js';
import { decodeKeyPath, encodeKeyPath, validateKey } from '../keys.js';
import type { ListEntry, ObjectInfo, ObjectReadStream, ObjectStore, ObjectWriter, ReadOptions, WriteOptions } from '../object-store.js';
import { bytesInRange, normalizeRange, rangeHeader } from '../range.js';
import { SwiftSession } from './swift-auth.js';
import type { SwiftStoreOptions } from './swift-options.js';
import { SwiftWriter } from './swift-writer.js';

const LIST_PAGE = 10_000;

/** Objects in one Swift container through the native API (undici), tempauth or Keystone v3. */
export class SwiftStore implements ObjectStore {
  readonly type = 'swift';
  readonly readOnly: boolean;
  readonly #container: string;
  readonly #client: HttpClient;
  readonly #session: SwiftSession;

  constructor(readonly id: string, options: SwiftStoreOptions) {
    this.#container = options.container;
    this.readOnly = options.readOnly ?? false;
    this.#client = new HttpClient(options);
    this.#session = new SwiftSession(this.#client, options.auth, options.storageUrl);
  }

  #url(storageUrl: string, key: string | undefined, query?: Record<string, string>): URL {
    const base = storageUrl.replace(/\/+$/, '');
    const url = new URL(`${base}/${encodeURIComponent(this.#container)}${key === undefined ? '' : `/${encodeKeyPath(key)}`}`);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    return url;
  }

  // Sends with the current token; on 401 renews it once and sends again (bodies here are replayable: none).
  async #call(key: string | undefined, req: Omit<HttpRequest, 'privateHeaders'>, query?: Record<string, string>): Promise<Dispatcher.ResponseData> {
    for (let attempt = 0; ; attempt++) {
      const creds = await this.#session.get();
      const res = await this.#client.send(this.#url(creds.storageUrl, key, query), { ...req, privateHeaders: { 'x-auth-token': creds.token } });
      if (res.statusCode !== 401) this.#session.confirm(creds.token);
      if (res.statusCode !== 401 || attempt > 0) return res;
      await res.body.dump().catch(() => undefined);
      this.#session.invalidate(creds.token);
    }
  }

  // #call for downloads: the body streams straight from the dispatcher (see ResponseBody).
  async #open(key: string, req: Omit<HttpRequest, 'privateHeaders' | 'body'>): Promise<OpenResponse> {
    for (let attempt = 0; ; attempt++) {
      const creds = await this.#session.get();
      const res = await this.#client.open(this.#url(creds.storageUrl, key), { ...req, privateHeaders: { 'x-auth-token': creds.token } });
      if (res.statusCode !== 401) this.#session.confirm(creds.token);
      if (res.statusCode !== 401 || attempt > 0) return res;
      res.body.discard();
      this.#session.invalidate(creds.token);
    }
  }

  async head(key: string): Promise<ObjectInfo> {
    validateKey(key);
    const res = await this.#call(key, { method: 'HEAD', key, what: `HEAD ${key}` });
    await res.body.dump().catch(() => undefined);
    if (res.statusCode !== 200 && res.statusCode !== 204) throw translateStatus(res.statusCode, key, `HEAD ${key}`);
    const modified = header(res.headers, 'last-modified');
    return {
      key,
      size: Number(header(res.headers, 'content-length') ?? 0),
      // As Swift sends it: bare MD5 for a plain object, quoted MD5-of-etags for an SLO/DLO manifest.
      etag: header(res.headers, 'etag') ?? '',
      lastModified: modified ? new Date(modified) : undefined,
      contentType: header(res.headers, 'content-type'),
    };
  }

  async read(key: string, options: ReadOptions = {}): Promise<ObjectReadStream> {
    validateKey(key);
    const range = normalizeRange(key, options);
    if (range.length === 0) {
      bytesInRange(key, range, (await this.head(key)).size);
      return emptyReadStream();
    }
    const value = rangeHeader(range);
    const res = await this.#open(key, { method: 'GET', headers: value ? { range: value } : {}, signal: options.signal, key, what: `GET ${key}` });
    if (res.statusCode !== 200 && res.statusCode !== 206 && res.statusCode !== 416) {
      res.body.discard();
      throw translateStatus(res.statusCode, key, `GET ${key}`);
    }
    return rangedStream(res, { key, range, sizeOf: async () => (await this.head(key)).size });
  }

  async write(key: string, options: WriteOptions = {}): Promise<ObjectWriter> {
    if (this.readOnly) throw new ReadOnlyStoreError({ key });
    validateKey(key);
    // An upload cannot be replayed after a 401, so prove a fresh token first (HEAD the container renews it if needed).
    await this.#session.get();
    if (!this.#session.confirmed) {
      const probe = await this.#call(undefined, { method: 'HEAD', what: `HEAD container for ${key}` });
      await probe.body.dump().catch(() => undefined);
      if (probe.statusCode === 401 || probe.statusCode === 403) throw translateStatus(probe.statusCode, key, `PUT ${key}`);
    }
    const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/octet-stream' };
    if (options.size !== undefined) headers['content-length'] = String(options.size);
    const put = async (body: PassThrough, signal: AbortSignal) => {
      const creds = await this.#session.get();
      const res = await this.#client.send(this.#url(creds.storageUrl, key), {
        method: 'PUT',
        headers,
        privateHeaders: { 'x-auth-token': creds.token },
        body,
        signal,
        key,
        what: `PUT ${key}`,
      });
      return { res, token: creds.token };
    };
    return new SwiftWriter(key, options.size, options.signal, put, (token) => this.#session.invalidate(token));
  }

  async delete(key: string): Promise<void> {
    if (this.readOnly) throw new ReadOnlyStoreError({ key });
    validateKey(key);
    const res = await this.#call(key, { method: 'DELETE', key, what: `DELETE ${key}` });
    await res.body.dump().catch(() => undefined);
    if (res.statusCode !== 204 && res.statusCode !== 200 && res.statusCode !== 404) throw translateStatus(res.statusCode, key, `DELETE ${key}`);
  }

  async *list(prefix: string): AsyncIterable<ListEntry> {
    let marker = '';
    for (;;) {
      const query: Record<string, string> = { format: 'json', limit: String(LIST_PAGE) };
      if (prefix) query.prefix = prefix;
      if (marker) query.marker = marker;
      const res = await this.#call(undefined, { method: 'GET', what: `LIST ${prefix}` }, query);
      if (res.statusCode === 404) {
        await res.body.dump().catch(() => undefined);
        return;
      }
      if (res.statusCode !== 200 && res.statusCode !== 204) {
        await res.body.dump().catch(() => undefined);
        throw translateStatus(res.statusCode, undefined, `LIST ${prefix}`);
      }
      const text = await res.body.text();
      let page: Array<{ name: string; bytes: number; hash: string; last_modified?: string; subdir?: string }>;
      try {
        page = text ? (JSON.parse(text) as typeof page) : [];
      } catch {
        throw new StoreProtocolError(`LIST ${prefix}: answer is not JSON`);
      }
      for (const o of page) {
        if (o.subdir !== undefined) continue;
        // Swift's listing time is UTC without a zone suffix.
        yield { key: o.name, size: o.bytes, etag: o.hash, lastModified: o.last_modified ? new Date(`${o.last_modified}Z`) : undefined };
      }
      if (page.length < LIST_PAGE) return;
      marker = page[page.length - 1]!.name;
    }
  }

  locationUrl(key: string): string {
    return `swift://${this.#container}/${encodeKeyPath(validateKey(key))}`;
  }

  keyOf(url: string): string | undefined {
    const head = `swift://${this.#container}/`;
    return url.startsWith(head) ? decodeKeyPath(url.slice(head.length)) : undefined;
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
