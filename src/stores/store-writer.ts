import { Writable } from 'node:stream';
import { IntegrityError, StoreAbortedError } from './errors.js';
import type { ObjectWriter, WriteResult } from './object-store.js';

/**
 * Shared mechanics of every adapter's writer: byte counting, the declared-size check,
 * commit on end and cancel on destroy. Adapters implement three hooks:
 * `send` (forward bytes), `finish` (make the object visible, return its etag), `abort` (clean up).
 *
 * When the size is declared, the chunk that completes it is held back until commit: a
 * store that knows the length (PUT with Content-Length) would otherwise create the object
 * as soon as the last byte arrived, before the caller decided to commit or cancel.
 */
export abstract class StoreWriter extends Writable implements ObjectWriter {
  bytesWritten = 0;
  result: WriteResult | undefined;
  #failure: Error | undefined;
  #held: Buffer | undefined;
  readonly #onAbort: () => void;
  readonly #signal: AbortSignal | undefined;

  protected constructor(readonly key: string, protected readonly expectedSize: number | undefined, signal?: AbortSignal) {
    super({ highWaterMark: 1 << 20 });
    this.on('error', (err) => {
      this.#failure ??= err;
    });
    this.#signal = signal;
    this.#onAbort = () => this.destroy(new StoreAbortedError('write aborted', { key, cause: signal?.reason }));
    if (signal?.aborted) queueMicrotask(this.#onAbort);
    else signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Forwards bytes to the store, resolving when it may take more. */
  protected abstract send(chunk: Buffer): Promise<void>;
  /** Completes the upload and returns what the store reported. */
  protected abstract finish(): Promise<WriteResult>;
  /** Removes any partial state; must not throw. `err` is why (cancel, failure). */
  protected abstract abort(err: Error | null): Promise<void>;

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytesWritten += chunk.length;
    const expected = this.expectedSize;
    if (expected !== undefined && this.bytesWritten >= expected) {
      if (this.bytesWritten > expected) return callback(this.#sizeError());
      this.#held = chunk;
      return callback();
    }
    this.send(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.expectedSize !== undefined && this.bytesWritten !== this.expectedSize) return callback(this.#sizeError());
    const held = this.#held;
    this.#held = undefined;
    (held ? this.send(held) : Promise.resolve())
      .then(() => this.finish())
      .then((result) => {
        this.result = result;
        callback();
      }, callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    if (this.result) return callback(err);
    this.abort(err).then(
      () => callback(err),
      () => callback(err),
    );
  }

  async commit(): Promise<WriteResult> {
    if (this.result) return this.result;
    if (this.#failure) throw this.#failure;
    if (this.destroyed) throw new StoreAbortedError('writer was cancelled', { key: this.key });
    if (!this.writableEnded) this.end();
    await new Promise<void>((resolve, reject) => {
      const onClose = (): void => {
        if (this.result) resolve();
        else reject(this.#failure ?? new StoreAbortedError('writer was cancelled', { key: this.key }));
      };
      if (this.closed) onClose();
      else this.once('close', onClose);
    });
    return this.result as unknown as WriteResult;
  }

  async cancel(): Promise<void> {
    if (this.result) return;
    if (!this.destroyed) this.destroy(new StoreAbortedError('write cancelled', { key: this.key }));
    if (!this.closed) await new Promise<void>((resolve) => this.once('close', () => resolve()));
  }

  #sizeError(): IntegrityError {
    return new IntegrityError(`declared size ${this.expectedSize} for ${this.key}, got ${this.bytesWritten} bytes`, { key: this.key });
  }
}
