import { Readable, Transform, type TransformCallback } from 'node:stream';
import { IntegrityError, StoreAbortedError, StoreError } from './errors.js';
import type { ObjectReadStream } from './object-store.js';

/** How a CheckedReadStream treats its source. */
export interface CheckedReadOptions {
  key: string;
  /** Bytes the consumer must receive; undefined when the store did not say (chunked body). */
  expected: number | undefined;
  /**
   * The server ignored our Range and sends the whole object: drop `skip` bytes, pass
   * `expected`, then stop reading.
   */
  slice?: { skip: number };
  signal?: AbortSignal | undefined;
  /** Turns a source error (socket reset, SDK error) into a StoreError. */
  translate: (err: unknown) => StoreError;
}

/**
 * The one place that guarantees a read never ends silently short: it counts bytes against
 * what the store announced, turns source errors into StoreErrors, slices the bytes when a
 * server ignored Range, and aborts the request when the consumer goes away.
 */
export class CheckedReadStream extends Transform implements ObjectReadStream {
  bytesRead = 0;
  readonly #source: Readable;
  readonly #options: CheckedReadOptions;
  #toSkip: number;
  #done = false;
  readonly #onAbort: () => void;

  constructor(source: Readable, options: CheckedReadOptions) {
    super({ highWaterMark: 1 << 20 });
    this.#source = source;
    this.#options = options;
    this.#toSkip = options.slice?.skip ?? 0;
    this.#onAbort = () => this.destroy(new StoreAbortedError('read aborted', { key: options.key, cause: options.signal?.reason }));
    source.on('error', (err) => {
      if (!this.#done) this.destroy(err instanceof StoreError ? err : options.translate(err));
    });
    if (options.signal?.aborted) queueMicrotask(this.#onAbort);
    else options.signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (options.expected === 0) {
      // Nothing to wait for: end now and let the request go.
      this.#finishEarly();
      this.end();
    } else {
      source.pipe(this);
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (this.#done) return callback();
    if (this.#toSkip > 0) {
      if (chunk.length <= this.#toSkip) {
        this.#toSkip -= chunk.length;
        return callback();
      }
      chunk = chunk.subarray(this.#toSkip);
      this.#toSkip = 0;
    }
    const expected = this.#options.expected;
    if (expected !== undefined && this.bytesRead + chunk.length >= expected) {
      const sliced = this.bytesRead + chunk.length > expected;
      if (sliced && !this.#options.slice) {
        return callback(new IntegrityError(`store sent more than the ${expected} bytes it announced for ${this.#options.key}`, { key: this.#options.key }));
      }
      // A server that ignored Range sends the rest of the object: stop reading it here.
      chunk = chunk.subarray(0, expected - this.bytesRead);
      this.bytesRead += chunk.length;
      this.push(chunk);
      if (sliced) {
        this.#finishEarly();
        this.push(null);
      }
      return callback();
    }
    this.bytesRead += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const expected = this.#options.expected;
    if (!this.#done && expected !== undefined && this.bytesRead !== expected) {
      return callback(new IntegrityError(`body of ${this.#options.key} ended after ${this.bytesRead} of ${expected} bytes`, { key: this.#options.key }, true));
    }
    callback();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#finishEarly();
    callback(err);
  }

  #finishEarly(): void {
    if (this.#done) return;
    this.#done = true;
    this.#source.unpipe(this);
    this.#source.destroy();
  }
}

/** A stream of no bytes, for reads of length 0 or at the very end (no request needed). */
export function emptyReadStream(key: string): ObjectReadStream {
  return new CheckedReadStream(Readable.from([]), { key, expected: 0, translate: (err) => new StoreError('INTERNAL', String(err)) });
}
