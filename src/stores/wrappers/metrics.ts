import { Counter, Histogram, type Registry } from 'prom-client';
import { StoreError } from '../errors.js';
import type { ListEntry, ObjectInfo, ObjectReadStream, ObjectStore, ObjectWriter, ReadOptions, WriteOptions } from '../object-store.js';
import { DelegatingStore } from './delegating-store.js';

/** The store metrics of one prom-client registry, shared by every store registered on it. */
export interface StoreMetricSet {
  requests: Counter<'store' | 'op' | 'outcome'>;
  bytes: Counter<'store' | 'direction' | 'outcome'>;
  seconds: Histogram<'store' | 'op'>;
}

const sets = new WeakMap<Registry, StoreMetricSet>();

/** Creates (once per registry) the counters and histogram; never touches prom-client's global registry. */
export function storeMetricSet(registry: Registry): StoreMetricSet {
  let set = sets.get(registry);
  if (!set) {
    set = {
      requests: new Counter({ name: 'glance_store_requests_total', help: 'Object store calls by store, operation and outcome (ok or the error code).', labelNames: ['store', 'op', 'outcome'], registers: [registry] }),
      bytes: new Counter({ name: 'glance_store_bytes_total', help: 'Bytes read from or written to object stores, by outcome of the stream.', labelNames: ['store', 'direction', 'outcome'], registers: [registry] }),
      seconds: new Histogram({
        name: 'glance_store_request_seconds',
        help: 'Time for a store call to answer (for reads: until the stream opened; for writes: until commit).',
        labelNames: ['store', 'op'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
        registers: [registry],
      }),
    };
    sets.set(registry, set);
  }
  return set;
}

/** `ok`, or the lowercased StoreError code (not_found, transient, auth, …); `error` for anything else. */
export function outcomeOf(err: unknown): string {
  if (err === undefined || err === null) return 'ok';
  return err instanceof StoreError ? err.code.toLowerCase() : 'error';
}

/** Counts calls and bytes by store and outcome; streams are counted when they close. */
export class MetricsStore extends DelegatingStore {
  readonly #m: StoreMetricSet;

  constructor(inner: ObjectStore, registry: Registry) {
    super(inner);
    this.#m = storeMetricSet(registry);
  }

  async #timed<T>(op: string, call: () => Promise<T>): Promise<T> {
    const end = this.#m.seconds.startTimer({ store: this.id, op });
    try {
      const value = await call();
      this.#m.requests.inc({ store: this.id, op, outcome: 'ok' });
      return value;
    } catch (err) {
      this.#m.requests.inc({ store: this.id, op, outcome: outcomeOf(err) });
      throw err;
    } finally {
      end();
    }
  }

  override head(key: string): Promise<ObjectInfo> {
    return this.#timed('head', () => this.inner.head(key));
  }

  override delete(key: string): Promise<void> {
    return this.#timed('delete', () => this.inner.delete(key));
  }

  override async read(key: string, options?: ReadOptions): Promise<ObjectReadStream> {
    const end = this.#m.seconds.startTimer({ store: this.id, op: 'read' });
    let stream: ObjectReadStream;
    try {
      stream = await this.inner.read(key, options);
    } catch (err) {
      end();
      this.#m.requests.inc({ store: this.id, op: 'read', outcome: outcomeOf(err) });
      throw err;
    }
    end();
    let failure: unknown;
    stream.prependListener('error', (err) => (failure = err));
    stream.once('close', () => {
      const outcome = failure !== undefined ? outcomeOf(failure) : stream.readableEnded ? 'ok' : 'aborted';
      this.#m.requests.inc({ store: this.id, op: 'read', outcome });
      this.#m.bytes.inc({ store: this.id, direction: 'read', outcome }, stream.bytesRead);
    });
    return stream;
  }

  override async write(key: string, options?: WriteOptions): Promise<ObjectWriter> {
    let writer: ObjectWriter;
    try {
      writer = await this.inner.write(key, options);
    } catch (err) {
      this.#m.requests.inc({ store: this.id, op: 'write', outcome: outcomeOf(err) });
      throw err;
    }
    const end = this.#m.seconds.startTimer({ store: this.id, op: 'write' });
    let failure: unknown;
    writer.prependListener('error', (err) => (failure = err));
    writer.once('close', () => {
      end();
      const outcome = writer.result ? 'ok' : outcomeOf(failure ?? new StoreError('ABORTED', 'closed'));
      this.#m.requests.inc({ store: this.id, op: 'write', outcome });
      this.#m.bytes.inc({ store: this.id, direction: 'write', outcome }, writer.bytesWritten);
    });
    return writer;
  }

  override async *list(prefix: string): AsyncIterable<ListEntry> {
    let outcome = 'ok';
    try {
      yield* this.inner.list(prefix);
    } catch (err) {
      outcome = outcomeOf(err);
      throw err;
    } finally {
      this.#m.requests.inc({ store: this.id, op: 'list', outcome });
    }
  }
}
