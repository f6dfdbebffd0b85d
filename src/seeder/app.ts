import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Registry } from 'prom-client';
import type { Service } from '../core/http/service.js';
import type { Logger } from '../core/logger.js';
import { RegistryDirectory } from '../core/registry-directory.js';
import type { StoreSet } from '../stores/index.js';
import { signedUrlRoutes } from './auth/signed-url-route.js';
import type { ImageCache } from './cache/image-cache.js';
import type { SeederConfig } from './config.js';
import { frontDoor } from './front-door.js';
import { ImportSwarm } from './import-swarm/import-swarm.js';
import { swarmImportMethods } from './import-swarm/methods.js';
import { IngestRunner } from './ingest/ingest-runner.js';
import { ingestRoutes, type ImportMethod } from './ingest/ingest-routes.js';
import { startMaintenance } from './maintenance.js';
import { seederMetrics, type SeederMetrics } from './metrics.js';
import { RegistryGateway } from './registry-gateway.js';
import { RegistryWatch } from './registry-watch.js';
import { fileRoutes } from './serve/file-route.js';
import { ImageReader } from './serve/image-reader.js';
import { SeedingManager } from './seeding/seeding-manager.js';
import { CorruptPieces } from './verify/corrupt-pieces.js';

/** What Teller's app is built from. */
export interface TellerAppOptions {
  config: SeederConfig;
  stores: StoreSet;
  cache: ImageCache;
  metrics: Registry;
  log: Logger;
  publicUrl: () => string;
  now?: () => number;
  /** More import methods (the swarm adds magnet). */
  importMethods?: Record<string, ImportMethod>;
}

/** Teller's parts, for the seeder (BitTorrent) and tests. */
export interface TellerParts {
  gateway: RegistryGateway;
  reader: ImageReader;
  runner: IngestRunner;
  watch: RegistryWatch;
  metrics: SeederMetrics;
  seeding: SeedingManager | undefined;
}

/** Register Teller's routes (data plane + front door) on `app` and start its housekeeping. */
export async function tellerApp(app: Service, options: TellerAppOptions): Promise<TellerParts> {
  const { config, stores, cache, log } = options;
  const now = options.now ?? Date.now;
  const gateway = new RegistryGateway(config.registry_url, config.service_token);
  const metrics = seederMetrics(options.metrics);
  const reader = new ImageReader(gateway, stores, cache, metrics, log, new CorruptPieces(now, config.corrupt_retry_s * 1000, () => metrics.corruptReads.inc()));
  const runner = new IngestRunner(config, gateway, stores, metrics, log);
  const registries = new RegistryDirectory(config.registries);
  const watch = new RegistryWatch(gateway, log);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Glance P2P seeder (Teller)', version: '2.16', description: 'Image data: verified, cached streaming, uploads and imports. Metadata calls are forwarded to the registry (its own document is at the registry\'s /docs).' },
      components: { securitySchemes: { token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' } } },
      security: [{ token: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });

  const seeding = config.seeding.enabled ? new SeedingManager({ config: config.seeding, watch, gateway, reader, stores, cache, metrics, log }) : undefined;
  await app.register(fileRoutes, { gateway, reader, metrics, urlSecret: config.url_secret, now, onDemand: (id) => seeding?.noteDemand(id) });
  const importSwarm = config.import_swarm.enabled ? new ImportSwarm(config.import_swarm, config.data_dir, log) : undefined;
  const methods = { ...(importSwarm ? swarmImportMethods(importSwarm, config.ingest) : {}), ...options.importMethods };
  await app.register(ingestRoutes, { config, gateway, runner, registries, log, methods, ...(importSwarm ? { swarm: importSwarm } : {}) });
  await app.register(signedUrlRoutes, { gateway, urlSecret: config.url_secret, publicUrl: options.publicUrl, defaultTtl: config.signed_url_ttl_s, now });
  await app.register(frontDoor, { registryUrl: config.registry_url });
  startMaintenance({ watch, gateway, stores, reader, purgeUrls: config.purge_urls, log });
  seeding?.start();
  app.addHook('onClose', async () => {
    watch.stop();
    await seeding?.close();
    await importSwarm?.close();
  });
  return { gateway, reader, runner, watch, metrics, seeding };
}
