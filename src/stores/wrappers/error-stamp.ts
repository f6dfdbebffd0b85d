import type { EventEmitter } from 'node:events';
import { StoreError } from '../errors.js';
import type { ListEntry, ObjectInfo, ObjectReadStream, ObjectWriter, ReadOptions, WriteOptions } from '../object-store.js';
import { DelegatingStore } from './delegating-store.js';

/**
 * The outermost wrapper: every error leaving the store is a StoreError carrying the store
 * id, so Teller can say which store failed. Foreign errors (bugs, unexpected library
 * errors) become StoreError('INTERNAL') with the original as cause.
 */
export class ErrorStampStore extends DelegatingStore {
  #stamp(err: unknown): StoreError {
    const e = err instanceof StoreError ? err : new StoreError('INTERNAL', `store ${this.id}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    e.storeId ??= this.id;
    return e;
  }

  // Stream errors cannot be replaced, only marked; adapters already emit StoreErrors on streams.
  #watch<T extends EventEmitter>(emitter: T): T {
    emitter.prependListener('error', (err: unknown) => {
      if (err instanceof StoreError) err.storeId ??= this.id;
    });
    return emitter;
  }

  override async head(key: string): Promise<ObjectInfo> {
    try {
      return await this.inner.head(key);
    } catch (err) {
      throw this.#stamp(err);
    }
  }

  override async read(key: string, options?: ReadOptions): Promise<ObjectReadStream> {
    try {
      return this.#watch(await this.inner.read(key, options));
    } catch (err) {
      throw this.#stamp(err);
    }
  }

  override async write(key: string, options?: WriteOptions): Promise<ObjectWriter> {
    try {
      return this.#watch(await this.inner.write(key, options));
    } catch (err) {
      throw this.#stamp(err);
    }
  }

  override async delete(key: string): Promise<void> {
    try {
      return await this.inner.delete(key);
    } catch (err) {
      throw this.#stamp(err);
    }
  }

  override async *list(prefix: string): AsyncIterable<ListEntry> {
    try {
      yield* this.inner.list(prefix);
    } catch (err) {
      throw this.#stamp(err);
    }
  }
}
