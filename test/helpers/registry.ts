import { resolveRegistryConfig } from '../../src/registry/config.js';
import { buildRegistry, type Registry } from '../../src/registry/server.js';
import type { Clock } from '../../src/registry/images/time.js';
import { httpCaller, type CallInit, type CallResult } from './http-call.js';
import { testLogger } from './logger.js';
import { tempDir } from './temp-dir.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
export const SERVICE_TOKEN = 'service-token-for-tests-0123456789';
export const TRACKER_SECRET = 'tracker-secret-for-tests-0123456789';

/** A real registry on 127.0.0.1 with a free port and a SQLite file in a temp dir. */
export interface TestRegistry {
  url: string;
  registry: Registry;
  dataDir: string;
  /** fetch against the registry with an optional token. */
  call(method: string, path: string, init?: CallInit): Promise<CallResult>;
  /** Create a token for a user and return it. */
  token(user: string, project: string, roles: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function startTestRegistry(overrides: Record<string, unknown> = {}, clock?: Clock): Promise<TestRegistry> {
  const dir = tempDir('glance-p2p-registry-');
  const config = resolveRegistryConfig({
    host: '127.0.0.1',
    port: 0,
    data_dir: dir.path,
    admin_token: ADMIN_TOKEN,
    service_token: SERVICE_TOKEN,
    tracker_secret: TRACKER_SECRET,
    trackers: [{ announce: ['http://127.0.0.1:6969/announce?passkey={passkey}'] }],
    ...overrides,
  });
  const registry = await buildRegistry(config, testLogger(), clock);
  const { listenUrl: url } = await registry.start();
  const call: TestRegistry['call'] = httpCaller(url);
  return {
    url,
    registry,
    dataDir: dir.path,
    call,
    async token(user, project, roles) {
      const res = await call('POST', '/p2p/v1/tokens', { token: ADMIN_TOKEN, body: { user_id: user, project_id: project, roles } });
      if (res.status !== 201) throw new Error(`token create failed: ${res.status} ${res.text}`);
      return res.body.token as string;
    },
    async close() {
      await registry.close();
      dir.remove();
    },
  };
}
