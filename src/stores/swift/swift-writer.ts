import { PassThrough } from 'node:stream';
import type { Dispatcher } from 'undici';
import { StoreAbortedError, StoreAuthError, StoreProtocolError } from '../errors.js';
import { header, translateNetworkError, translateStatus } from '../http/http-errors.js';
import type { WriteResult } from '../object-store.js';
import { StoreWriter } from '../store-writer.js';

/** Starts the PUT that carries `body`; the store supplies URL and token. */
export type SwiftPut = (body: PassThrough, signal: AbortSignal) => Promise<{ res: Dispatcher.ResponseData; token: string }>;

/**
 * Streams one plain object into Swift: a PUT with Content-Length when the size is known,
 * chunked otherwise. The request starts with the first byte (or at commit), and a cancel
 * aborts it, which Swift treats as a failed upload: nothing is stored.
 */
export class SwiftWriter extends StoreWriter {
  readonly #put: SwiftPut;
  readonly #onRefused: (token: string) => void;
  readonly #body = new PassThrough({ highWaterMark: 1 << 20 });
  readonly #abort = new AbortController();
  #done: Promise<string> | undefined;

  constructor(key: string, size: number | undefined, signal: AbortSignal | undefined, put: SwiftPut, onRefused: (token: string) => void) {
    super(key, size, signal);
    this.#put = put;
    this.#onRefused = onRefused;
    this.#body.on('error', () => undefined);
  }

  #start(): Promise<string> {
    if (this.#done) return this.#done;
    this.#done = this.#put(this.#body, this.#abort.signal).then(async ({ res, token }) => {
      await res.body.dump().catch(() => undefined);
      if (res.statusCode === 401) {
        // The token died mid-upload; the stream is spent, so the caller has to write again.
        this.#onRefused(token);
        throw new StoreAuthError(`PUT ${this.key}: token refused (HTTP 401)`, { key: this.key });
      }
      if (res.statusCode !== 201) throw translateStatus(res.statusCode, this.key, `PUT ${this.key}`);
      const etag = header(res.headers, 'etag');
      if (!etag) throw new StoreProtocolError(`PUT ${this.key}: no ETag in the answer`, { key: this.key });
      return etag;
    });
    this.#done.catch((err: unknown) => {
      if (!this.destroyed) this.destroy(translateNetworkError(err, this.key, `PUT ${this.key}`));
    });
    return this.#done;
  }

  protected async send(chunk: Buffer): Promise<void> {
    void this.#start();
    if (this.#body.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.#body.off('drain', done);
        this.#body.off('close', done);
        resolve();
      };
      this.#body.on('drain', done);
      this.#body.on('close', done);
    });
  }

  protected async finish(): Promise<WriteResult> {
    const done = this.#start();
    this.#body.end();
    try {
      return { etag: await done, size: this.bytesWritten };
    } catch (err) {
      throw translateNetworkError(err, this.key, `PUT ${this.key}`);
    }
  }

  protected async abort(err: Error | null): Promise<void> {
    if (!this.#done) return;
    this.#abort.abort(err ?? new StoreAbortedError());
    this.#body.destroy(err ?? new StoreAbortedError());
    await this.#done.catch(() => undefined);
  }
}
