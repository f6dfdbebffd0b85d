import { StoreError } from '../errors.js';
import { compareKeys } from '../keys.js';
import type { ListEntry, ObjectInfo, ObjectReadStream, ObjectStore, ObjectWriter, ReadOptions, WriteOptions } from '../object-store.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, realSleep, type RetryPolicy, type Sleep } from './backoff.js';
import { DelegatingStore } from './delegating-store.js';

/** What the retry wrapper needs besides the policy; both injectable for tests. */
export interface RetryDeps {
  sleep?: Sleep;
  random?: () => number;
}

/** Only faults marked transient (5xx, resets, timeouts) are worth another try; 4xx, NotFound and auth are final. */
export function isRetryable(err: unknown): boolean {
  return err instanceof StoreError && err.transient;
}

/**
 * Retries idempotent calls on transient faults with exponential backoff: head, delete,
 * opening a read, opening a write (no byte has been sent yet), and listing (resumed after
 * the last key it yielded). Bytes already handed to a writer are never re-sent: a writer
 * that fails mid-stream fails for its caller, who still has the source.
 */
export class RetryStore extends DelegatingStore {
  readonly #policy: RetryPolicy;
  readonly #sleep: Sleep;
  readonly #random: () => number;

  constructor(inner: ObjectStore, policy: Partial<RetryPolicy> = {}, deps: RetryDeps = {}) {
    super(inner);
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...policy };
    this.#sleep = deps.sleep ?? realSleep;
    this.#random = deps.random ?? Math.random;
  }

  async #retry<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (!isRetryable(err) || attempt >= this.#policy.attempts || signal?.aborted) throw err;
        await this.#sleep(backoffDelay(this.#policy, attempt, this.#random));
      }
    }
  }

  override head(key: string): Promise<ObjectInfo> {
    return this.#retry(() => this.inner.head(key));
  }

  override read(key: string, options?: ReadOptions): Promise<ObjectReadStream> {
    return this.#retry(() => this.inner.read(key, options), options?.signal);
  }

  override write(key: string, options?: WriteOptions): Promise<ObjectWriter> {
    return this.#retry(() => this.inner.write(key, options), options?.signal);
  }

  override delete(key: string): Promise<void> {
    return this.#retry(() => this.inner.delete(key));
  }

  override async *list(prefix: string): AsyncIterable<ListEntry> {
    let last: string | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const entry of this.inner.list(prefix)) {
          // Keys come in ascending order, so a restarted listing skips what it already gave.
          if (last !== undefined && compareKeys(entry.key, last) <= 0) continue;
          last = entry.key;
          yield entry;
        }
        return;
      } catch (err) {
        if (!isRetryable(err) || attempt >= this.#policy.attempts) throw err;
        await this.#sleep(backoffDelay(this.#policy, attempt, this.#random));
      }
    }
  }
}
