import type { Registry } from 'prom-client';
import type { ObjectStore } from './object-store.js';
import { parseStoreConfig } from './store-config.js';
import { StoreFactory } from './store-factory.js';
import { StoreSet } from './store-set.js';
import type { Sleep } from './wrappers/backoff.js';
import { ConcurrencyLimitStore } from './wrappers/concurrency-limit.js';
import { ErrorStampStore } from './wrappers/error-stamp.js';
import { MetricsStore } from './wrappers/metrics.js';
import { RetryStore } from './wrappers/retry.js';

/** Default calls in flight per store. */
export const DEFAULT_MAX_CONCURRENCY = 32;

/** What openStores may be given besides the configs. */
export interface OpenStoresDeps {
  factory?: StoreFactory;
  /** Where the store metrics go; none are recorded without it. Never the global registry. */
  metrics?: Registry;
  /** Retry's sleep, for tests. */
  sleep?: Sleep;
}

/**
 * Builds every configured store with its wrappers, outermost first:
 * error stamp → retry → concurrency limit → metrics → adapter. So retries wait outside
 * a slot, and metrics count each real attempt. Throws StoreConfigError on bad config.
 */
export function openStores(configs: unknown[], deps: OpenStoresDeps = {}): StoreSet {
  const factory = deps.factory ?? new StoreFactory();
  const stores: ObjectStore[] = configs.map((raw) => {
    const config = parseStoreConfig(raw);
    let store: ObjectStore = factory.create(config);
    if (deps.metrics) store = new MetricsStore(store, deps.metrics);
    store = new ConcurrencyLimitStore(store, config.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY);
    store = new RetryStore(store, config.retry ?? {}, { sleep: deps.sleep });
    return new ErrorStampStore(store);
  });
  return new StoreSet(stores);
}
