import type { ListEntry, ObjectInfo, ObjectReadStream, ObjectStore, ObjectWriter, ReadOptions, WriteOptions } from '../object-store.js';

/** Forwards every call to an inner store; wrappers override only what they change (distribution's base driver). */
export class DelegatingStore implements ObjectStore {
  constructor(protected readonly inner: ObjectStore) {}

  get id(): string {
    return this.inner.id;
  }
  get type(): string {
    return this.inner.type;
  }
  get readOnly(): boolean {
    return this.inner.readOnly;
  }
  head(key: string): Promise<ObjectInfo> {
    return this.inner.head(key);
  }
  read(key: string, options?: ReadOptions): Promise<ObjectReadStream> {
    return this.inner.read(key, options);
  }
  write(key: string, options?: WriteOptions): Promise<ObjectWriter> {
    return this.inner.write(key, options);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  list(prefix: string): AsyncIterable<ListEntry> {
    return this.inner.list(prefix);
  }
  locationUrl(key: string): string {
    return this.inner.locationUrl(key);
  }
  keyOf(url: string): string | undefined {
    return this.inner.keyOf(url);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
