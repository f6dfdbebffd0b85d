import { join, resolve } from 'node:path';
import { fetch } from 'undici';
import { createService, listen, type Service } from '../core/http/service.js';
import { createMetricsRegistry } from '../core/http/metrics.js';
import { derivePublicUrl, trimUrl } from '../core/http/public-url.js';
import { loadTls } from '../core/http/tls.js';
import type { Logger } from '../core/logger.js';
import { openStores, type StoreFactory, type StoreSet } from '../stores/index.js';
import { tellerApp, type TellerAppOptions, type TellerParts } from './app.js';
import { ImageCache } from './cache/image-cache.js';
import type { SeederConfig } from './config.js';

/** Teller built and ready to listen. */
export interface Teller {
  app: Service;
  parts: TellerParts;
  stores: StoreSet;
  cache: ImageCache;
  start(): Promise<{ listenUrl: string; publicUrl: string }>;
  url(): string;
  close(): Promise<void>;
}

/** Build Teller: open the stores (with their wrappers), load the cache, register the routes. */
export async function buildTeller(config: SeederConfig, logger: Logger, extra: Pick<TellerAppOptions, 'importMethods' | 'now'> & { storeFactory?: StoreFactory } = {}): Promise<Teller> {
  const metrics = createMetricsRegistry('seeder');
  const stores = openStores(config.stores, { metrics, ...(extra.storeFactory ? { factory: extra.storeFactory } : {}) });
  const cache = new ImageCache(resolve(config.cache.dir ?? join(config.data_dir, 'cache')), config.cache.max_bytes, logger.child({ service: 'seeder' }));
  await cache.init();
  const tls = loadTls(config.tls);
  const app = createService({
    name: 'seeder',
    logger,
    metrics,
    bodyLimit: config.body_limit,
    ...(tls ? { tls } : {}),
    health: async () => {
      const res = await fetch(`${config.registry_url}/healthz`, { signal: AbortSignal.timeout(5000) });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`registry answers ${res.status}`);
      return { registry: 'ok', stores: stores.ids(), cache: cache.stats() };
    },
  });
  let publicUrl = config.public_url ? trimUrl(config.public_url) : derivePublicUrl(config.host, config.port, Boolean(tls));
  const { storeFactory: _factory, ...appExtra } = extra;
  const parts = await tellerApp(app, { config, stores, cache, metrics, log: app.log as Logger, publicUrl: () => publicUrl, ...appExtra });
  return {
    app,
    parts,
    stores,
    cache,
    async start() {
      const bound = await listen(app, config.host, config.port);
      if (!config.public_url) publicUrl = derivePublicUrl(config.host, bound.port, Boolean(tls));
      parts.watch.start();
      return { listenUrl: bound.url, publicUrl };
    },
    url: () => publicUrl,
    async close() {
      await app.close();
      await stores.close();
    },
  };
}
