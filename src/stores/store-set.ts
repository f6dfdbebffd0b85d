import { UnknownStoreError } from './errors.js';
import type { ObjectStore } from './object-store.js';

/** A location URL resolved to the store that serves it and the key inside that store. */
export interface ResolvedLocation {
  store: ObjectStore;
  key: string;
}

/**
 * The configured stores by id, and the resolver from location URLs (file://, http(s)://,
 * s3://bucket/key, swift://container/key) to {store, key}. A URL that no store serves, or an
 * unknown id, is an UnknownStoreError.
 */
export class StoreSet implements Iterable<ObjectStore> {
  readonly #stores = new Map<string, ObjectStore>();

  constructor(stores: Iterable<ObjectStore>) {
    for (const store of stores) {
      if (this.#stores.has(store.id)) throw new UnknownStoreError(`store id ${store.id} is configured twice`);
      this.#stores.set(store.id, store);
    }
  }

  [Symbol.iterator](): Iterator<ObjectStore> {
    return this.#stores.values();
  }

  /** Configured ids. */
  ids(): string[] {
    return [...this.#stores.keys()];
  }

  /** The store with this id, or UnknownStoreError. */
  get(id: string): ObjectStore {
    const store = this.#stores.get(id);
    if (!store) throw new UnknownStoreError(`no store ${JSON.stringify(id)} is configured`, { storeId: id });
    return store;
  }

  /**
   * Finds the store serving `url`. With `storeId` (an ImageLocation's `store`), that store must
   * serve it. Without, the most specific match wins (the shortest key: the longest root or base
   * URL); two equally specific stores (one bucket name on two endpoints) need the id.
   */
  resolve(url: string, storeId?: string): ResolvedLocation {
    if (storeId !== undefined) {
      const store = this.get(storeId);
      const key = store.keyOf(url);
      if (key === undefined) throw new UnknownStoreError(`store ${storeId} does not serve ${redact(url)}`, { storeId });
      return { store, key };
    }
    const matches: ResolvedLocation[] = [];
    for (const store of this.#stores.values()) {
      const key = store.keyOf(url);
      if (key !== undefined) matches.push({ store, key });
    }
    if (matches.length === 0) throw new UnknownStoreError(`no configured store serves ${redact(url)}`);
    matches.sort((a, b) => a.key.length - b.key.length);
    if (matches.length > 1 && matches[0]!.key.length === matches[1]!.key.length) {
      throw new UnknownStoreError(`${redact(url)} matches stores ${matches.map((m) => m.store.id).join(', ')}: name the store`);
    }
    return matches[0]!;
  }

  /** The location URL of `key` in store `storeId`. */
  locationUrl(storeId: string, key: string): string {
    return this.get(storeId).locationUrl(key);
  }

  /** Closes every store. */
  async close(): Promise<void> {
    await Promise.all([...this.#stores.values()].map((s) => s.close()));
  }
}

// URLs from outside may carry credentials; error messages never do.
function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}
