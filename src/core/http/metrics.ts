import type { FastifyInstance } from 'fastify';
import type {} from '@fastify/swagger';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A Prometheus registry for one service, with process metrics and the HTTP histogram. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'glance_p2p_' });
  return registry;
}

const DURATION = 'glance_p2p_http_request_duration_seconds';

/**
 * Time every request by route and status, and serve the registry at `/metrics`.
 * An app built again on the same registry (the tracker retrying a port) shares its histogram.
 */
export function installMetrics(app: FastifyInstance<any, any, any, any, any>, registry: Registry): void {
  const duration = (registry.getSingleMetric(DURATION) as Histogram<'method' | 'route' | 'status'> | undefined) ?? new Histogram({
    name: DURATION,
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    duration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { config: { open: true }, schema: { hide: true } }, async (_request, reply) => {
    void reply.type(registry.contentType);
    return registry.metrics();
  });
}

/** A counter that follows a running total kept elsewhere, read at scrape time (it only ever grows). */
export function totalCounter(registry: Registry, name: string, help: string, read: () => number): Counter {
  let seen = 0;
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now > seen) this.inc(now - seen);
      seen = Math.max(seen, now);
    },
  });
}
