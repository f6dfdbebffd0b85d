import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { uploadImage } from '../helpers/images.js';
import { ADMIN_TOKEN, startTestRegistry } from '../helpers/registry.js';
import { startFullStack, type FullStack } from '../helpers/stack.js';
import { startTestTeller } from '../helpers/teller.js';
import { tempDir } from '../helpers/temp-dir.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const jsonLines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);

async function metric(s: FullStack, name: string): Promise<number> {
  const text = (await s.teller.call('GET', '/metrics')).text;
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

describe('two installations on one machine: copy A → B over A\'s swarm, list both, fetch from either once', () => {
  let a: FullStack;
  let b: FullStack;
  const dir = tempDir('glance-p2p-registries-');
  let data: Buffer;
  let publicId: string;
  let privateId: string;
  /** Registry a public (anonymous read), b private (token required): one config for both. */
  const config = (name: string, tokens: { a?: string; b?: string }) => {
    const file = join(dir.path, `${name}.yaml`);
    const entry = (n: string, url: string, token?: string) => `  - name: ${n}\n    url: ${url}\n${token ? `    token: ${token}\n` : ''}`;
    writeFileSync(file, `registries:\n${entry('a', a.teller.url, tokens.a)}${entry('b', b.teller.url, tokens.b)}agent:\n  fallback_after_s: 30\n  slow_rate: 0\n`);
    return file;
  };
  const uriA = (id: string) => `${a.teller.url}/v2/images/${id}`;
  /** A self-signed certificate for 127.0.0.1: its own CA. */
  const selfSigned = (name: string) => {
    const cert = join(dir.path, `${name}-cert.pem`);
    const key = join(dir.path, `${name}-key.pem`);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    return { cert, key };
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([startFullStack(), startFullStack({ registry: { allow_anonymous: false }, teller: { import_swarm: { web_seed_after_ms: 30_000 } } })]);
    data = Buffer.concat([Buffer.from('alpine'), Buffer.alloc(8 * MiB, 7)]);
    publicId = (await uploadImage(a.teller, { data, body: { name: 'alpine-3.20', disk_format: 'qcow2', visibility: 'public', os_distro: 'alpine', tags: ['base'] } })).id;
    privateId = (await uploadImage(a.teller, { size: 1000, body: { name: 'secret-build', visibility: 'private' } })).id;
    await a.stack.synced();
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    dir.remove();
  });

  it('image import --from copies name, properties and os_hash_value over A\'s swarm, and records the origin', async () => {
    const admins = config('admins', { a: ADMIN_TOKEN, b: ADMIN_TOKEN });
    const seededBefore = await metric(a, 'glance_p2p_teller_seeded_bytes_total');
    const res = await runCli(['image', 'import', '--from', uriA(publicId), '--registry', 'b', '--config', admins, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const done = jsonLines(res.stdout).at(-1)!;
    expect(done).toMatchObject({ phase: 'done', status: 'active', name: 'alpine-3.20', disk_format: 'qcow2', os_distro: 'alpine', tags: ['base'], os_hash_value: sha(data), p2p_origin_uri: uriA(publicId) });
    expect(done.id).not.toBe(publicId);
    // A's Teller sent the bytes as a BitTorrent seeder (its web seed only joins after 30 s)
    expect((await metric(a, 'glance_p2p_teller_seeded_bytes_total')) - seededBefore).toBeGreaterThanOrEqual(data.length);
    writeFileSync(join(dir.path, 'copy-id'), done.id);
  });

  it('image list --registry a --registry b lists both at once with the registry marked; a failing registry is an ERROR row', async () => {
    const admins = config('admins', { a: ADMIN_TOKEN, b: ADMIN_TOKEN });
    const table = await runCli(['image', 'list', '--registry', 'a', '--registry', 'b', '--config', admins]);
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.split('\n').filter((l) => l.includes('alpine-3.20'));
    expect(rows.map((r) => r.split(/\s+/)[0]).sort()).toEqual(['a', 'b']);
    const json = await runCli(['image', 'list', '--all', '--config', admins, '--json']);
    const byRegistry = Object.fromEntries((JSON.parse(json.stdout) as Array<{ registry: string; images: Array<{ name: string; os_hash_value: string }> }>).map((r) => [r.registry, r.images]));
    expect(byRegistry.a!.map((i) => i.name).sort()).toEqual(['alpine-3.20', 'secret-build']);
    expect(byRegistry.b!.map((i) => i.os_hash_value)).toEqual([sha(data)]);
    // b needs a token: without one it shows as an error row and a still answers
    const anonymous = config('anonymous', {});
    const mixed = await runCli(['image', 'list', '--all', '--config', anonymous]);
    expect(mixed.code).toBe(1);
    expect(mixed.stdout).toMatch(/^b\s+ERROR\s+.*(401|Authentication)/m);
    expect(mixed.stdout).toMatch(/^a\s+\S+\s+alpine-3.20/m);
    // and A's private image is not visible anonymously
    expect(mixed.stdout).not.toMatch(/secret-build/);
    const secret = await runCli(['image', 'show', uriA(privateId), '--config', anonymous]);
    expect(secret.code).toBe(3);
    // a URI whose registry is not configured at all is read anonymously
    const onlyB = join(dir.path, 'only-b.yaml');
    writeFileSync(onlyB, `registries:\n  - { name: b, url: ${b.teller.url}, token: ${ADMIN_TOKEN} }\n`);
    const shown = await runCli(['image', 'show', uriA(publicId), '--config', onlyB, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: publicId, name: 'alpine-3.20' });
    expect((await runCli(['image', 'show', uriA(privateId), '--config', onlyB])).code).toBe(3);
  });

  it('one agent config, public A anonymous and private B with a token: fetch from B, then A\'s copy is a cache hit', async () => {
    const copyId = readFileSync(join(dir.path, 'copy-id'), 'utf8');
    const agentConfig = config('agent', { b: ADMIN_TOKEN });
    const dataDir = join(dir.path, 'host-1');
    await b.stack.synced();
    const fromB = await runCli(['fetch', `${b.teller.url}/v2/images/${copyId}`, '--config', agentConfig, '--data-dir', dataDir, '--json']);
    expect(fromB.code, fromB.stderr).toBe(0);
    const first = jsonLines(fromB.stdout).at(-1)!;
    expect(first).toMatchObject({ phase: 'done', source: 'swarm', sha256: sha(data) });
    expect(sha(readFileSync(first.path))).toBe(sha(data));
    const fromA = await runCli(['fetch', uriA(publicId), '--config', agentConfig, '--data-dir', dataDir, '--json']);
    expect(fromA.code, fromA.stderr).toBe(0);
    expect(jsonLines(fromA.stdout).at(-1)).toMatchObject({ phase: 'done', source: 'cache', sha256: sha(data), swarm_bytes: 0, http_bytes: 0 });
    // anonymous read of A works in the same config; A's private image does not
    const elsewhere = await runCli(['fetch', uriA(publicId), '--config', agentConfig, '--data-dir', join(dir.path, 'host-2'), '--json', '--no-p2p']);
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect((await runCli(['fetch', uriA(privateId), '--config', agentConfig, '--data-dir', join(dir.path, 'host-2')])).code).toBe(3);
  });

  it('a registry behind TLS with its own CA: ca_file or insecure in the entry works, none is an ERROR row beside the others', async () => {
    const { cert, key } = selfSigned('registry');
    const secure = await startTestRegistry({ tls: { cert_file: cert, key_file: key } });
    try {
      expect(secure.url).toMatch(/^https:/);
      const write = (name: string, tls: string) => {
        const file = join(dir.path, `${name}.yaml`);
        writeFileSync(file, `registries:\n  - { name: a, url: ${a.teller.url} }\n  - { name: tls, url: ${secure.url}, token: ${ADMIN_TOKEN}${tls} }\n`);
        return file;
      };
      const trusted = write('tls-ca', `, tls: { ca_file: ${cert} }`);
      const created = await runCli(['image', 'create', '--name', 'behind-tls', '--registry', 'tls', '--config', trusted, '--json']);
      expect(created.code, created.stderr).toBe(0);
      const listed = await runCli(['image', 'list', '--all', '--config', trusted]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(/^tls\s+\S+\s+behind-tls/m);
      expect((await runCli(['image', 'list', '--registry', 'tls', '--config', write('tls-insecure', ', tls: { insecure: true }')])).stdout).toMatch(/behind-tls/);
      const untrusted = await runCli(['image', 'list', '--all', '--config', write('tls-none', '')]);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stdout).toMatch(/^tls\s+ERROR\s+.*(CERT|certificate)/im);
      expect(untrusted.stdout).toMatch(/^a\s+\S+\s+alpine-3.20/m);
      expect((await runCli(['image', 'list', '--registry', 'tls', '--config', write('tls-none', '')])).code).toBe(6);
    } finally {
      await secure.close();
    }
  });
  it('a Teller behind TLS with its own CA: `image upload`, an HTTP fetch (--no-p2p) and the swarm\'s web seed trust the entry\'s ca_file, as the metadata calls do', async () => {
    const { cert, key } = selfSigned('teller');
    // not seeding and no tracker: a swarm fetch can only finish through Teller as a web seed
    const teller = await startTestTeller({ tls: { cert_file: cert, key_file: key }, seeding: { enabled: false } });
    try {
      expect(teller.url).toMatch(/^https:/);
      const config = join(dir.path, 'teller-tls.yaml');
      writeFileSync(config, `registries:\n  - { name: tls, url: ${teller.url}, token: ${ADMIN_TOKEN}, tls: { ca_file: ${cert} } }\nagent:\n  fallback_after_s: 1\n`);
      const bytes = randomBytes(3 * MiB + 17);
      const file = join(dir.path, 'over-tls.img');
      writeFileSync(file, bytes);
      const created = await runCli(['image', 'create', '--name', 'over-tls', '--disk-format', 'raw', '--container-format', 'bare', '--registry', 'tls', '--config', config, '--json']);
      expect(created.code, created.stderr).toBe(0);
      const id = JSON.parse(created.stdout).id as string;
      const up = await runCli(['image', 'upload', id, file, '--registry', 'tls', '--config', config]);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stdout).toMatch(/ active /);
      const got = await runCli(['fetch', `${teller.url}/v2/images/${id}`, '--config', config, '--data-dir', join(dir.path, 'host-tls'), '--no-p2p', '--json']);
      expect(got.code, got.stderr).toBe(0);
      const done = jsonLines(got.stdout).at(-1)!;
      expect(done).toMatchObject({ phase: 'done', source: 'http', sha256: sha(bytes) });
      expect(readFileSync(done.path)).toEqual(bytes);
      const swarm = await runCli(['fetch', `${teller.url}/v2/images/${id}`, '--config', config, '--data-dir', join(dir.path, 'host-tls-swarm'), '--json']);
      expect(swarm.code, swarm.stderr).toBe(0);
      expect(jsonLines(swarm.stdout).at(-1)).toMatchObject({ phase: 'done', source: 'swarm', sha256: sha(bytes), swarm_bytes: 0, http_bytes: bytes.length });
    } finally {
      await teller.close();
    }
  });
});
