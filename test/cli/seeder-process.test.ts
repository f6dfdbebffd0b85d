import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliServer, type CliServer } from '../helpers/cli.js';
import { httpCaller } from '../helpers/http-call.js';
import { ADMIN_TOKEN, SERVICE_TOKEN, startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('`glance-p2p seeder`: Teller alone as a process, in front of a separate registry', () => {
  const dir = tempDir('glance-p2p-seeder-');
  let registry: TestRegistry;
  let server: CliServer;
  let url: string;
  beforeAll(async () => {
    registry = await startTestRegistry();
    const args = ['seeder', '--port', '0', '--registry-url', registry.url, '--service-token', SERVICE_TOKEN, '--data-dir', join(dir.path, 'data'), '--cache-dir', join(dir.path, 'cache'), '--cache-max-bytes', String(64 * 1024 * 1024)];
    server = await startCliServer(args, /stores:/);
    url = /Teller listening on (\S+)/.exec(server.stdout())![1]!;
  });
  afterAll(async () => {
    await server?.stop();
    await registry?.close();
    dir.remove();
  });

  it('prints where it listens, its registry and stores; serves health and metrics', async () => {
    expect(server.stdout()).toContain(`registry:   ${registry.url}`);
    expect(server.stdout()).toMatch(/stores:\s+local/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('glance_p2p_');
  });

  it('is a front door: creates an image through the registry, stores its data in the data dir, serves it and caches it in the cache dir', async () => {
    const call = httpCaller(url);
    const created = await call('POST', '/v2/images', { token: ADMIN_TOKEN, body: { name: 'alone', disk_format: 'raw', container_format: 'bare' } });
    expect(created.status).toBe(201);
    const data = randomBytes(3 * 1024 * 1024 + 11);
    expect((await call('PUT', `/v2/images/${created.body.id}/file`, { token: ADMIN_TOKEN, body: data })).status).toBe(204);
    // the registry itself has the record Teller made
    expect((await registry.call('GET', `/v2/images/${created.body.id}`, { token: ADMIN_TOKEN })).body).toMatchObject({ status: 'active', size: data.length });
    const res = await fetch(`${url}/v2/images/${created.body.id}/file`, { headers: { 'x-auth-token': ADMIN_TOKEN } });
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
    expect(existsSync(join(dir.path, 'data', 'store'))).toBe(true);
    const sha = createHash('sha256').update(data).digest('hex');
    for (let i = 0; i < 100 && !existsSync(join(dir.path, 'cache', sha)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(join(dir.path, 'cache', sha))).toBe(true);
  });
});
