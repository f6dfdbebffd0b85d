import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {} from '@fastify/swagger';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { installErrorHandling } from './error-handler.js';
import { createMetricsRegistry, installMetrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers without a token even where anonymous access is off (health, metrics, docs). */
    open?: boolean;
  }
}

/** TLS material for a server: PEM strings or buffers. */
export interface TlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
}

/** What every HTTP service of the project is built from. */
export interface ServiceOptions {
  /** Short name used in logs and metric labels: registry, seeder, tracker, agent. */
  name: string;
  logger: Logger;
  bodyLimit?: number;
  tls?: TlsOptions;
  /** Returns facts about dependencies; throwing makes /healthz answer 503. */
  health?: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  metrics?: Registry;
}

/** A Fastify instance typed for TypeBox schemas. */
export type Service = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/** Build a Fastify instance with the project's logging, errors, /healthz and /metrics. */
export function createService(options: ServiceOptions): Service {
  const serverOptions: FastifyServerOptions & { https?: TlsOptions } = {
    loggerInstance: options.logger.child({ service: options.name }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: true,
    requestTimeout: 0,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  };
  if (options.tls) serverOptions.https = options.tls;
  const app = Fastify(serverOptions as FastifyServerOptions).withTypeProvider<TypeBoxTypeProvider>() as unknown as Service;
  installErrorHandling(app);
  const metrics = options.metrics ?? createMetricsRegistry(options.name);
  installMetrics(app, metrics);
  app.get('/healthz', { config: { open: true }, schema: { hide: true } }, async (_request, reply) => {
    try {
      const facts = options.health ? await options.health() : {};
      return { status: 'ok', service: options.name, ...facts };
    } catch (err) {
      void reply.code(503);
      return { status: 'unavailable', service: options.name, message: (err as Error).message };
    }
  });
  return app;
}

/** Listen and return the base URL actually bound (port 0 picks a free port). */
export async function listen(app: Service, host: string, port: number): Promise<{ url: string; port: number }> {
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const scheme = app.initialConfig.https ? 'https' : 'http';
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `${scheme}://${shownHost}:${bound}`, port: bound };
}
