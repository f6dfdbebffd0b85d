import { join } from 'node:path';
import { resolveSeederConfig } from '../../src/seeder/config.js';
import { buildTeller, type Teller } from '../../src/seeder/server.js';
import type { StoreFactory } from '../../src/stores/index.js';
import { httpCaller } from './http-call.js';
import { testLogger } from './logger.js';
import { SERVICE_TOKEN, startTestRegistry, type TestRegistry } from './registry.js';
import { tempDir } from './temp-dir.js';

export const URL_SECRET = 'url-secret-for-tests-0123456789';

/** A real registry and a real Teller in front of it (file store and cache in temp dirs unless given). */
export interface TestTeller {
  url: string;
  teller: Teller;
  registry: TestRegistry;
  dataDir: string;
  /** fetch against Teller (the front door). */
  call: TestRegistry['call'];
  close(): Promise<void>;
}

export async function startTestTeller(overrides: Record<string, unknown> = {}, registry?: TestRegistry, storeFactory?: StoreFactory): Promise<TestTeller> {
  const reg = registry ?? (await startTestRegistry());
  const dir = tempDir('glance-p2p-teller-');
  const config = resolveSeederConfig({
    host: '127.0.0.1',
    port: 0,
    data_dir: dir.path,
    registry_url: reg.url,
    service_token: SERVICE_TOKEN,
    url_secret: URL_SECRET,
    stores: [{ id: 'local', type: 'file', options: { root: join(dir.path, 'store') } }],
    cache: { dir: join(dir.path, 'cache'), max_bytes: 1024 * 1024 * 1024 },
    ...overrides,
  });
  const teller = await buildTeller(config, testLogger(), storeFactory ? { storeFactory } : {});
  const { listenUrl } = await teller.start();
  // as `glance-p2p up` does: image URIs and /p2p/v1/endpoints name the front door
  if (!registry) reg.registry.setFrontDoor(listenUrl);
  await teller.parts.watch.ready;
  const call: TestRegistry['call'] = httpCaller(listenUrl);
  return {
    url: listenUrl,
    teller,
    registry: reg,
    dataDir: dir.path,
    call,
    async close() {
      await teller.close();
      if (!registry) await reg.close();
      dir.remove();
    },
  };
}
