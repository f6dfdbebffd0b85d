import type { Stream } from 'node:stream';
import type { ListEntry, ObjectInfo, ObjectReadStream, ObjectStore, ObjectWriter, ReadOptions, WriteOptions } from '../object-store.js';
import { DelegatingStore } from './delegating-store.js';
import { Semaphore } from './semaphore.js';

/**
 * Caps calls in flight on one store. A read or write holds its slot until its stream
 * closes, so the cap bounds open connections, not just the time to open them. So one
 * task must never hold more open streams than the cap while it waits to open another
 * (it would wait for itself): the chunked writer holds one writer at a time.
 */
export class ConcurrencyLimitStore extends DelegatingStore {
  readonly #slots: Semaphore;

  constructor(inner: ObjectStore, readonly maxConcurrency: number) {
    super(inner);
    this.#slots = new Semaphore(maxConcurrency);
  }

  /** Calls holding a slot now. */
  get active(): number {
    return this.#slots.active;
  }

  async #hold<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
    const release = await this.#slots.acquire(signal);
    try {
      return await call();
    } finally {
      release();
    }
  }

  async #holdStream<T extends Stream>(signal: AbortSignal | undefined, open: () => Promise<T>): Promise<T> {
    const release = await this.#slots.acquire(signal);
    try {
      const stream = await open();
      stream.once('close', release);
      return stream;
    } catch (err) {
      release();
      throw err;
    }
  }

  override head(key: string): Promise<ObjectInfo> {
    return this.#hold(undefined, () => this.inner.head(key));
  }

  override read(key: string, options?: ReadOptions): Promise<ObjectReadStream> {
    return this.#holdStream(options?.signal, () => this.inner.read(key, options));
  }

  override write(key: string, options?: WriteOptions): Promise<ObjectWriter> {
    return this.#holdStream(options?.signal, () => this.inner.write(key, options));
  }

  override delete(key: string): Promise<void> {
    return this.#hold(undefined, () => this.inner.delete(key));
  }

  override async *list(prefix: string): AsyncIterable<ListEntry> {
    const release = await this.#slots.acquire();
    try {
      yield* this.inner.list(prefix);
    } finally {
      release();
    }
  }
}
