import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { IntegrityError, StoreAbortedError, type StoreError } from '../errors.js';
import type { ObjectReadStream } from '../object-store.js';

/**
 * A response body fed straight from undici's dispatch handler: one stream hop instead of
 * undici's body plus a checking Transform, which matters because the client's CPU per byte
 * competes with the store server on small machines. It counts bytes against what the
 * headers announced, slices a body whose server ignored Range, and aborts the request when
 * the consumer goes away or the caller's signal fires.
 */
export class ResponseBody extends Readable implements ObjectReadStream {
  bytesRead = 0;
  #controller: Dispatcher.DispatchController | undefined;
  #expected: number | undefined;
  #skip = 0;
  #slice = false;
  #complete = false;
  // Chunks can arrive before the caller has read the headers and called expect(): hold them.
  #configured = false;
  readonly #early: Buffer[] = [];
  #endedEarly = false;
  readonly #key: string;
  readonly #translate: (err: unknown) => StoreError;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort: () => void;

  constructor(key: string, translate: (err: unknown) => StoreError, signal?: AbortSignal) {
    super({ highWaterMark: 1 << 20 });
    this.#key = key;
    this.#translate = translate;
    this.#signal = signal;
    this.#onAbort = () => this.destroy(new StoreAbortedError('read aborted', { key, cause: signal?.reason }));
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    // Until the caller has the stream, its failures reach the caller through open()'s promise.
    this.on('error', ResponseBody.#unclaimed);
  }

  static #unclaimed(): void {}

  /** Called by the dispatch handler once the request is under way. */
  attach(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.destroyed) controller.abort(new StoreAbortedError('read aborted', { key: this.#key }));
  }

  /**
   * Sets the bytes the consumer must get. With `skip`, the server sent the whole object
   * although we asked for a range: drop `skip` bytes, pass `expected`, then stop the transfer.
   */
  expect(expected: number | undefined, skip?: number): this {
    this.#expected = expected;
    this.#slice = skip !== undefined;
    this.#skip = skip ?? 0;
    if (expected === 0) this.#stop();
    this.#replay();
    return this;
  }

  /** Drains a body we do not want (an error page), keeping the connection reusable. */
  discard(): void {
    this.#expected = undefined;
    this.on('error', () => undefined);
    this.resume();
    this.#replay();
  }

  #replay(): void {
    this.#configured = true;
    this.off('error', ResponseBody.#unclaimed);
    for (const chunk of this.#early.splice(0)) this.accept(chunk);
    if (this.#endedEarly) this.finish();
  }

  /** A chunk from the wire; false asks the handler to pause. */
  accept(chunk: Buffer): boolean {
    if (!this.#configured) {
      this.#early.push(chunk);
      return false;
    }
    if (this.#complete) return true;
    if (this.#skip > 0) {
      if (chunk.length <= this.#skip) {
        this.#skip -= chunk.length;
        return true;
      }
      chunk = chunk.subarray(this.#skip);
      this.#skip = 0;
    }
    const expected = this.#expected;
    if (expected !== undefined && this.bytesRead + chunk.length >= expected) {
      const over = this.bytesRead + chunk.length > expected;
      if (over && !this.#slice) {
        this.destroy(new IntegrityError(`store sent more than the ${expected} bytes it announced for ${this.#key}`, { key: this.#key }));
        return false;
      }
      chunk = chunk.subarray(0, expected - this.bytesRead);
      this.bytesRead += chunk.length;
      this.push(chunk);
      if (this.#slice) this.#stop();
      return true;
    }
    this.bytesRead += chunk.length;
    return this.push(chunk);
  }

  /** The response ended: fewer bytes than announced is an error, never a short success. */
  finish(): void {
    if (!this.#configured) {
      this.#endedEarly = true;
      return;
    }
    if (this.#complete) return;
    this.#complete = true;
    const expected = this.#expected;
    if (expected !== undefined && this.bytesRead !== expected) {
      this.destroy(new IntegrityError(`body of ${this.#key} ended after ${this.bytesRead} of ${expected} bytes`, { key: this.#key }, true));
      return;
    }
    this.push(null);
  }

  /** The connection failed mid-body. */
  fail(err: unknown): void {
    if (!this.#complete) this.destroy(this.#translate(err));
  }

  override _read(): void {
    this.#controller?.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    if (!this.#complete) {
      this.#complete = true;
      this.#controller?.abort(err ?? new StoreAbortedError('read closed by the consumer', { key: this.#key }));
    }
    callback(err);
  }

  // Everything wanted has arrived: end our stream and drop the rest of the transfer.
  #stop(): void {
    this.#complete = true;
    this.push(null);
    this.#controller?.abort(new StoreAbortedError('rest of the body not needed', { key: this.#key }));
  }
}
