import { Readable } from 'node:stream';
import { ObjectNotFoundError, type StoreError } from '../../src/stores/errors.js';
import type { ListEntry, ObjectInfo, ObjectReadStream, ObjectStore, ObjectWriter, WriteResult } from '../../src/stores/object-store.js';
import { StoreWriter } from '../../src/stores/store-writer.js';

/** A writer that keeps bytes in memory, for wrapper and chunked-writer unit tests. */
class MemoryWriter extends StoreWriter {
  readonly #parts: Buffer[] = [];
  constructor(key: string, size: number | undefined, private readonly store: FakeStore) {
    super(key, size);
  }
  protected async send(chunk: Buffer): Promise<void> {
    const fault = this.store.writeFault?.(this.key, this.bytesWritten);
    if (fault) throw fault;
    this.#parts.push(chunk);
  }
  protected async finish(): Promise<WriteResult> {
    const data = Buffer.concat(this.#parts);
    this.store.objects.set(this.key, data);
    return { etag: `etag-${data.length}`, size: data.length };
  }
  protected async abort(): Promise<void> {}
}

/** An in-memory store whose calls can be made to fail: `faults` is consumed one error per call. */
export class FakeStore implements ObjectStore {
  readonly type = 'fake';
  readonly readOnly = false;
  readonly objects = new Map<string, Buffer>();
  /** Errors to throw, in order, from the next calls of each op. */
  readonly faults: Record<string, StoreError[]> = {};
  readonly calls: string[] = [];
  writeFault: ((key: string, bytesSoFar: number) => Error | undefined) | undefined;

  constructor(readonly id = 'fake') {}

  #enter(op: string): void {
    this.calls.push(op);
    const fault = this.faults[op]?.shift();
    if (fault) throw fault;
  }

  async head(key: string): Promise<ObjectInfo> {
    this.#enter('head');
    const data = this.objects.get(key);
    if (!data) throw new ObjectNotFoundError(key);
    return { key, size: data.length, etag: `etag-${data.length}`, lastModified: new Date(0), contentType: undefined };
  }

  async read(key: string): Promise<ObjectReadStream> {
    this.#enter('read');
    const data = this.objects.get(key);
    if (!data) throw new ObjectNotFoundError(key);
    return Object.assign(Readable.from([data], { objectMode: false }), { bytesRead: data.length });
  }

  async write(key: string, options: { size?: number } = {}): Promise<ObjectWriter> {
    this.#enter('write');
    return new MemoryWriter(key, options.size, this);
  }

  async delete(key: string): Promise<void> {
    this.#enter('delete');
    this.objects.delete(key);
  }

  async *list(prefix: string): AsyncIterable<ListEntry> {
    this.#enter('list');
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (const [i, key] of keys.entries()) {
      const fault = this.faults[`list@${i}`]?.shift();
      if (fault) throw fault;
      yield { key, size: this.objects.get(key)!.length, etag: 'e', lastModified: undefined };
    }
  }

  locationUrl(key: string): string {
    return `fake://${key}`;
  }

  keyOf(url: string): string | undefined {
    return url.startsWith('fake://') ? url.slice(7) : undefined;
  }

  async close(): Promise<void> {}
}
