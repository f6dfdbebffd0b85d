import { join } from 'node:path';
import type { Logger } from '../core/logger.js';
import { createService, listen, type Service } from '../core/http/service.js';
import { derivePublicUrl, trimUrl } from '../core/http/public-url.js';
import { loadTls } from '../core/http/tls.js';
import { registryApp, type RegistryParts } from './app.js';
import type { RegistryConfig } from './config.js';
import { openDatabase, type SqliteDatabase } from './db/database.js';
import type { Clock } from './images/time.js';

/** A registry built and ready to listen. */
export interface Registry {
  app: Service;
  db: SqliteDatabase;
  parts: RegistryParts;
  /** Listen on the configured host and port; resolves to the bound URL and the public URL. */
  start(): Promise<{ listenUrl: string; publicUrl: string }>;
  /** The public URL (after start). */
  url(): string;
  /**
   * Point image URIs and /p2p/v1/endpoints at a front door (`up` starts Teller after
   * the registry, so with free ports its URL is only known then). An explicit
   * public_url in the config still wins for image URIs.
   */
  setFrontDoor(url: string): void;
  close(): Promise<void>;
}

/** Build Parallax: open the database (migrating it) and register every route. */
export async function buildRegistry(config: RegistryConfig, logger: Logger, clock?: Clock): Promise<Registry> {
  const db = openDatabase(config.database ?? join(config.data_dir, 'registry.sqlite'), logger);
  const tls = loadTls(config.tls);
  const app = createService({
    name: 'registry',
    logger,
    bodyLimit: config.body_limit,
    ...(tls ? { tls } : {}),
    health: () => {
      db.prepare('SELECT 1').get();
      return { database: 'ok' };
    },
  });
  let publicUrl = config.public_url ? trimUrl(config.public_url) : derivePublicUrl(config.host, config.port, Boolean(tls));
  let frontDoor: string | undefined;
  let seederUrl = config.seeder_url;
  const parts = await registryApp(app, { config, db, publicUrl: () => publicUrl, seederUrl: () => seederUrl, ...(clock ? { clock } : {}) });
  return {
    app,
    db,
    parts,
    async start() {
      const bound = await listen(app, config.host, config.port);
      if (!config.public_url) publicUrl = frontDoor ?? derivePublicUrl(config.host, bound.port, Boolean(tls));
      return { listenUrl: bound.url, publicUrl };
    },
    url: () => publicUrl,
    setFrontDoor(url: string) {
      frontDoor = trimUrl(url);
      seederUrl ??= frontDoor;
      if (!config.public_url) publicUrl = frontDoor;
    },
    async close() {
      await app.close();
      db.close();
    },
  };
}
