import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Service } from '../core/http/service.js';
import type { Principal } from '../core/principal.js';
import { installAuth } from './auth/auth-hook.js';
import { TokenStore } from './auth/token-store.js';
import { tokenRoutes } from './auth/token-routes.js';
import type { RegistryConfig } from './config.js';
import type { SqliteDatabase } from './db/database.js';
import { ImageRepository } from './images/image-repository.js';
import { imageRoutes } from './images/image-routes.js';
import { ImageService } from './images/image-service.js';
import { JSON_PATCH_TYPES } from './images/json-patch.js';
import { memberRoutes } from './images/member-routes.js';
import { systemClock, type Clock } from './images/time.js';
import { internalRoutes } from './internal/internal-routes.js';
import { schemaRoutes } from './routes/schema-routes.js';
import { versionRoutes } from './routes/versions-routes.js';
import { endpointRoutes } from './routes/endpoint-routes.js';
import { torrentRoutes } from './torrent/torrent-routes.js';
import { TrackerDirectory } from './torrent/tracker-directory.js';

/** What the registry app is built from. */
export interface RegistryAppOptions {
  config: RegistryConfig;
  db: SqliteDatabase;
  /** The registry's public base URL (known only after listen when the port is 0). */
  publicUrl: () => string;
  /** The Teller front door serving this registry's data, when known. */
  seederUrl?: () => string | undefined;
  clock?: Clock;
}

/** The parts of the registry other code (CLI, tests, the embedded `up`) reaches into. */
export interface RegistryParts {
  images: ImageService;
  tokens: TokenStore;
  trackers: TrackerDirectory;
}

const BOOTSTRAP_ADMIN: Principal = { userId: 'admin', projectId: 'admin', roles: ['admin'] };
const BOOTSTRAP_SERVICE: Principal = { userId: 'glance-p2p-service', projectId: 'service', roles: ['service'] };

/** Build the registry's services and register every route on `app`. */
export async function registryApp(app: Service, options: RegistryAppOptions): Promise<RegistryParts> {
  const { config, db } = options;
  const clock = options.clock ?? systemClock;
  const bootstrap = [
    ...(config.admin_token ? [{ token: config.admin_token, principal: BOOTSTRAP_ADMIN }] : []),
    ...(config.service_token ? [{ token: config.service_token, principal: BOOTSTRAP_SERVICE }] : []),
  ];
  const tokens = new TokenStore(db, clock, bootstrap);
  const trackers = new TrackerDirectory(config.trackers, config.tracker_secret);
  const images = new ImageService(new ImageRepository(db, clock), trackers, options.publicUrl, clock);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Glance P2P registry (Parallax)', version: '2.16', description: 'OpenStack Image API v2 subset plus p2p_ extensions' },
      components: { securitySchemes: { token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' } } },
      security: [{ token: [] }],
    },
  });
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config as object), open: true };
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });

  app.addContentTypeParser(JSON_PATCH_TYPES, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  installAuth(app, tokens, config.allow_anonymous);

  await app.register(versionRoutes);
  await app.register(schemaRoutes);
  await app.register(imageRoutes, { images });
  await app.register(memberRoutes, { images });
  await app.register(torrentRoutes, { images, trackers });
  await app.register(tokenRoutes, { tokens, trackers });
  await app.register(internalRoutes, { images, tokens, clock, ingestBodyLimit: 64 * 1024 * 1024, allowAnonymous: config.allow_anonymous });
  await app.register(endpointRoutes, { config, publicUrl: options.publicUrl, seederUrl: options.seederUrl ?? (() => config.seeder_url) });
  return { images, tokens, trackers };
}

