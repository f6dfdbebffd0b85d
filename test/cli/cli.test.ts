import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCliServer, type CliServer } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('glance-p2p CLI: `up`, `registry`, `image` and `token` against a real process', () => {
  const dir = tempDir('glance-p2p-cli-');
  let server: CliServer;
  let url: string;
  let adminToken: string;
  beforeAll(async () => {
    server = await startCliServer(['up', '--registry-port', '0', '--seeder-port', '0', '--tracker-port', '0', '--data-dir', join(dir.path, 'data')], /admin token/);
    url = /front door \(Teller\):\s+(\S+)/.exec(server.stdout())![1]!;
    adminToken = readFileSync(join(dir.path, 'data', 'secrets', 'admin-token'), 'utf8').trim();
  });
  afterAll(async () => {
    await server.stop();
    dir.remove();
  });

  it('prints where it listens and the admin token, which it keeps in the data dir', () => {
    expect(server.stdout()).toContain(`admin token:          ${adminToken}`);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('creates, lists, updates, tags, shows and deletes images', async () => {
    const env = { GLANCE_P2P_REGISTRY: url, GLANCE_P2P_TOKEN: adminToken };
    const created = await runCli(['image', 'create', '--name', 'cirros', '--disk-format', 'qcow2', '--container-format', 'bare', '--property', 'os_distro=cirros', '--tag', 'tiny', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const image = JSON.parse(created.stdout);
    expect(image).toMatchObject({ name: 'cirros', os_distro: 'cirros', tags: ['tiny'], status: 'queued' });

    const list = await runCli(['image', 'list'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${image.id}\\s+cirros\\s+queued`));

    const updated = await runCli(['image', 'update', image.id, '--name', 'cirros-0.6', '--property', 'arch=x86_64', '--remove-property', 'os_distro', '--json'], env);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ name: 'cirros-0.6', arch: 'x86_64' });
    expect(JSON.parse(updated.stdout)).not.toHaveProperty('os_distro');

    expect((await runCli(['image', 'tag', image.id, 'gold', 'silver'], env)).code).toBe(0);
    const shown = await runCli(['image', 'show', image.uri, '--json'], { GLANCE_P2P_TOKEN: adminToken });
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).tags).toEqual(['gold', 'silver', 'tiny']);

    const filtered = await runCli(['image', 'list', '--filter', 'arch=x86_64', '--json'], env);
    expect(JSON.parse(filtered.stdout).map((i: { id: string }) => i.id)).toEqual([image.id]);

    expect((await runCli(['image', 'delete', image.id], env)).code).toBe(0);
    const gone = await runCli(['image', 'show', image.id], env);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain('No image found');
  });

  it('uploads and downloads image data with progress as JSON lines, checking the SHA-256', async () => {
    const env = { GLANCE_P2P_REGISTRY: url, GLANCE_P2P_TOKEN: adminToken };
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const file = join(dir.path, 'upload.img');
    writeFileSync(file, data);
    const id = JSON.parse((await runCli(['image', 'create', '--name', 'data', '--disk-format', 'raw', '--container-format', 'bare', '--json'], env)).stdout).id as string;
    const up = await runCli(['image', 'upload', id, file, '--json'], env);
    expect(up.code, up.stderr).toBe(0);
    const lines = up.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ phase: 'done', status: 'active', size: data.length });
    const out = join(dir.path, 'download.img');
    const down = await runCli(['image', 'download', id, '-o', out, '--json'], env);
    expect(down.code, down.stderr).toBe(0);
    expect(readFileSync(out).equals(data)).toBe(true);
    const again = await runCli(['image', 'upload', id, file], env);
    expect(again.code).toBe(7);
  });

  it('creates tokens and honours roles', async () => {
    const created = await runCli(['token', 'create', '--user', 'rita', '--project', 'p1', '--role', 'reader', '--json', '--registry', url, '--token', adminToken]);
    expect(created.code, created.stderr).toBe(0);
    const readerToken = JSON.parse(created.stdout).token as string;
    const refused = await runCli(['image', 'create', '--name', 'nope', '--registry', url, '--token', readerToken]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/read-only/);
    const listed = await runCli(['token', 'list', '--registry', url, '--token', adminToken]);
    expect(listed.stdout).toContain('rita');
    expect(listed.stdout).not.toContain(readerToken);
  });

  it('reads registries and tokens from a YAML config file', async () => {
    const file = join(dir.path, 'client.yaml');
    writeFileSync(file, `registries:\n  - name: local\n    url: ${url}\n    token: ${adminToken}\n`);
    const created = await runCli(['image', 'create', '--name', 'from-config', '--config', file, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const list = await runCli(['image', 'list', '--registry', 'local', '--config', file]);
    expect(list.stdout).toContain('from-config');
  });

  it('fails clearly: unknown registry name, unreachable registry, bad arguments', async () => {
    const unknown = await runCli(['image', 'list', '--registry', 'nowhere']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("No registry named 'nowhere'");
    const down = await runCli(['image', 'list', '--registry', 'http://127.0.0.1:9']);
    expect(down.code).toBe(6);
    const bad = await runCli(['image', 'create', '--disk-format', 'floppy']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/floppy/);
  });
});

describe('glance-p2p registry: options from flags, environment and a config file', () => {
  it('takes --config (JSON), GLANCE_P2P_* variables and flags, flags winning', async () => {
    const dir = tempDir('glance-p2p-cli-');
    const config = join(dir.path, 'config.json');
    writeFileSync(config, JSON.stringify({ data_dir: join(dir.path, 'from-config'), registry: { allow_anonymous: false } }));
    const env = { GLANCE_P2P_PORT: '0', GLANCE_P2P_PUBLIC_URL: 'https://env.example.org', GLANCE_P2P_ADMIN_TOKEN: 'an-admin-token-from-the-env' };
    const server = await startCliServer(['registry', '--config', config, '--public-url', 'https://flag.example.org'], /API docs/, env);
    try {
      const url = /listening on (\S+)/.exec(server.stdout())![1]!;
      expect(server.stdout()).toContain('public URL:  https://flag.example.org');
      expect(server.stdout()).toContain(join(dir.path, 'from-config'));
      // allow_anonymous: false came from the file, the admin token from the environment
      expect((await fetch(`${url}/v2/images`)).status).toBe(401);
      const res = await fetch(`${url}/v2/images`, { method: 'POST', headers: { 'x-auth-token': env.GLANCE_P2P_ADMIN_TOKEN, 'content-type': 'application/json' }, body: '{"name":"n"}' });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { uri: string }).uri).toMatch(/^https:\/\/flag\.example\.org\/v2\/images\//);
    } finally {
      await server.stop();
      dir.remove();
    }
  });

  it('refuses a config file that is not valid', async () => {
    const dir = tempDir('glance-p2p-cli-');
    const config = join(dir.path, 'config.yaml');
    writeFileSync(config, 'registry:\n  allow_anonymous: perhaps\n');
    const res = await runCli(['registry', '--config', config, '--port', '0', '--data-dir', dir.path]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/allow_anonymous/);
    dir.remove();
  });
});
