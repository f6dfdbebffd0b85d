import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { createService, type Service } from '../../core/http/service.js';
import type { Logger } from '../../core/logger.js';
import type { AdminGate } from '../admin-gate.js';
import type { TrackerConfig } from '../config.js';
import { statsRoute } from './stats-route.js';
import { trackerRoutes, type TrackerRouteDeps } from './tracker-routes.js';

/** What the tracker's HTTP side is built from. */
export interface TrackerAppDeps extends TrackerRouteDeps {
  config: TrackerConfig;
  logger: Logger;
  /** The Prometheus registry `/metrics` serves. */
  prometheus: Registry;
  gate: AdminGate;
}

/** The tracker's HTTP service: `/announce`, `/scrape`, `/stats` (admins), `/metrics` and `/healthz` on one port. */
export async function buildTrackerApp(deps: TrackerAppDeps): Promise<Service> {
  const { config, list } = deps;
  const tls = config.tls ? { cert: readFileSync(config.tls.cert_file), key: readFileSync(config.tls.key_file) } : undefined;
  const app = createService({
    name: 'tracker',
    logger: deps.logger,
    metrics: deps.prometheus,
    ...(tls ? { tls } : {}),
    health: () => {
      if (list.revision === undefined) throw new Error('the swarm list has not been loaded from the registry yet');
      return { swarm_list: { revision: list.revision, allowed_swarms: list.size, loaded_at: new Date(list.lastLoadedAt!).toISOString() } };
    },
  });
  await app.register(trackerRoutes, deps);
  if (config.stats) await app.register(statsRoute, { gate: deps.gate, engine: deps.engine, list, now: deps.now });
  return app;
}
