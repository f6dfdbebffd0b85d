import type { Static, TSchema } from '@sinclair/typebox';
import { StoreConfigError } from './errors.js';
import { FileStoreOptionsSchema } from './file/file-options.js';
import { FileStore } from './file/file-store.js';
import { HttpStoreOptionsSchema } from './http/http-options.js';
import { HttpStore } from './http/http-store.js';
import type { ObjectStore } from './object-store.js';
import { S3StoreOptionsSchema } from './s3/s3-options.js';
import { S3Store } from './s3/s3-store.js';
import { parseStoreConfig, validateWith } from './store-config.js';
import { SwiftStoreOptionsSchema } from './swift/swift-options.js';
import { SwiftStore } from './swift/swift-store.js';

/** An adapter as the factory knows it: a name, an options schema, and a constructor. */
export interface StoreType<S extends TSchema = TSchema> {
  type: string;
  schema: S;
  create(id: string, options: Static<S>): ObjectStore;
}

/** Declares a store type with its options typed by its schema. */
export function defineStoreType<S extends TSchema>(type: StoreType<S>): StoreType<S> {
  return type;
}

/** The four adapters this project ships. */
export const BUILTIN_STORE_TYPES: StoreType[] = [
  defineStoreType({ type: 'file', schema: FileStoreOptionsSchema, create: (id, o) => new FileStore(id, o) }),
  defineStoreType({ type: 'http', schema: HttpStoreOptionsSchema, create: (id, o) => new HttpStore(id, o) }),
  defineStoreType({ type: 's3', schema: S3StoreOptionsSchema, create: (id, o) => new S3Store(id, o) }),
  defineStoreType({ type: 'swift', schema: SwiftStoreOptionsSchema, create: (id, o) => new SwiftStore(id, o) }),
] as StoreType[];

/**
 * Creates adapters by type name from validated config (distribution's factory.Register/Create).
 * An unknown type or invalid options fail loudly with StoreConfigError.
 */
export class StoreFactory {
  readonly #types = new Map<string, StoreType>();

  constructor(types: StoreType[] = BUILTIN_STORE_TYPES) {
    for (const t of types) this.register(t);
  }

  /** Adds a type; registering a name twice is a programming error. */
  register(type: StoreType): this {
    if (this.#types.has(type.type)) throw new StoreConfigError(`store type ${type.type} is already registered`);
    this.#types.set(type.type, type);
    return this;
  }

  /** Registered type names. */
  types(): string[] {
    return [...this.#types.keys()].sort();
  }

  /** The bare adapter for one config (no wrappers; see openStores for the wrapped one). */
  create(config: unknown): ObjectStore {
    const c = parseStoreConfig(config);
    const type = this.#types.get(c.type);
    if (!type) throw new StoreConfigError(`store ${c.id}: unknown type ${JSON.stringify(c.type)}`, [`known types: ${this.types().join(', ')}`]);
    return type.create(c.id, validateWith(type.schema, c.options ?? {}, `options of store ${c.id} (${c.type})`));
  }
}
