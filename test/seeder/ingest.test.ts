import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFileServer, type HttpFileServer } from '../helpers/http-file-server.js';
import { download, uploadImage } from '../helpers/images.js';
import { ADMIN_TOKEN } from '../helpers/registry.js';
import { startTestTeller, type TestTeller } from '../helpers/teller.js';

/** Every file under a folder (the file store's objects). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

async function waitForStatus(t: TestTeller, id: string, statuses: string[], timeoutMs = 30_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const image = (await t.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body;
    if (statuses.includes(image.status)) return image;
    if (Date.now() > until) throw new Error(`image ${id} stayed ${image.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An HTTP server that sends `data` slowly (so an import's progress can be seen). */
async function slowServer(data: Buffer, blockBytes: number, everyMs: number): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': data.length, 'content-type': 'application/octet-stream' });
    let off = 0;
    const timer = setInterval(() => {
      res.write(data.subarray(off, off + blockBytes));
      off += blockBytes;
      if (off >= data.length) {
        clearInterval(timer);
        res.end();
      }
    }, everyMs);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/slow.img`, server };
}

describe('Teller ingest: upload, web-download, glance-download (file store, real registry)', () => {
  let t: TestTeller;
  let web: HttpFileServer;
  let alice: string;
  let reader: string;
  const store = () => join(t.dataDir, 'store');
  const create = async (token = ADMIN_TOKEN, body: Record<string, unknown> = {}) => (await t.call('POST', '/v2/images', { token, body: { name: 'ingest', disk_format: 'raw', container_format: 'bare', ...body } })).body.id as string;

  beforeAll(async () => {
    // tenants may web-download from the test servers here (loopback, any port); the default rules are tested below
    t = await startTestTeller({ ingest: { chunk_size: 4 * 1024 * 1024, max_image_bytes: 20 * 1024 * 1024, stall_timeout_ms: 3000, web_download: { allowed_ports: [], private_networks: true } } });
    web = await startHttpFileServer();
    alice = await t.registry.token('alice', 'proj-a', ['member']);
    reader = await t.registry.token('rita', 'proj-a', ['reader']);
  });
  afterAll(async () => {
    await web.stop();
    await t.close();
  });

  it('refuses uploads without rights: 401 anonymous, 403 reader, 404 unknown image', async () => {
    const id = await create(alice);
    expect((await t.call('PUT', `/v2/images/${id}/file`, { body: Buffer.alloc(10) })).status).toBe(401);
    expect((await t.call('PUT', `/v2/images/${id}/file`, { token: reader, body: Buffer.alloc(10) })).status).toBe(403);
    expect((await t.call('PUT', '/v2/images/6a5a8a4e-0000-4000-8000-000000000000/file', { token: alice, body: Buffer.alloc(10) })).status).toBe(404);
    expect((await t.call('GET', `/v2/images/${id}`, { token: alice })).body.status).toBe('queued');
  });

  it('409 for an upload to an active image; the data stays as it was', async () => {
    const { id, data } = await uploadImage(t, { size: 1000 });
    const again = await t.call('PUT', `/v2/images/${id}/file`, { token: ADMIN_TOKEN, body: randomBytes(1000) });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/queued/);
    expect((await download(`${t.url}/v2/images/${id}/file`, { 'x-auth-token': ADMIN_TOKEN })).body.equals(data)).toBe(true);
  });

  it('413 for an upload over the cap, announced (image stays queued) or streamed (image killed, no chunks left)', async () => {
    const announced = await create();
    const res = await t.call('PUT', `/v2/images/${announced}/file`, { token: ADMIN_TOKEN, body: Buffer.alloc(21 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect((await t.call('GET', `/v2/images/${announced}`, { token: ADMIN_TOKEN })).body.status).toBe('queued');

    const streamed = await create();
    const before = filesUnder(store()).length;
    const big = randomBytes(21 * 1024 * 1024);
    const body = new ReadableStream({
      start(controller) {
        for (let off = 0; off < big.length; off += 1 << 20) controller.enqueue(big.subarray(off, off + (1 << 20)));
        controller.close();
      },
    });
    const r2 = await fetch(`${t.url}/v2/images/${streamed}/file`, { method: 'PUT', headers: { 'x-auth-token': ADMIN_TOKEN, 'content-type': 'application/octet-stream' }, body, duplex: 'half' } as RequestInit);
    expect(r2.status).toBe(413);
    const image = await waitForStatus(t, streamed, ['killed']);
    expect(image.p2p_status_reason).toMatch(/limit/);
    expect(filesUnder(store()).length).toBe(before);
  });

  it('goes queued → saving → active through an upload', async () => {
    const id = await create();
    expect((await t.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body.status).toBe('queued');
    const data = randomBytes(6 * 1024 * 1024);
    let sent = 0;
    let resume: (() => void) | undefined;
    const gate = new Promise<void>((r) => (resume = r));
    const body = new ReadableStream({
      async pull(c) {
        if (sent === 2 * 1024 * 1024) await gate; // hold the upload part-way until the test saw 'saving'
        if (sent >= data.length) return c.close();
        c.enqueue(data.subarray(sent, sent + (1 << 20)));
        sent += 1 << 20;
      },
    });
    const upload = fetch(`${t.url}/v2/images/${id}/file`, { method: 'PUT', headers: { 'x-auth-token': ADMIN_TOKEN, 'content-type': 'application/octet-stream' }, body, duplex: 'half' } as RequestInit);
    expect((await waitForStatus(t, id, ['saving'])).status).toBe('saving');
    resume!();
    expect((await upload).status).toBe(204);
    expect((await t.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body).toMatchObject({ status: 'active', size: data.length, os_hash_value: createHash('sha256').update(data).digest('hex') });
  });

  it('a client that disconnects mid-upload leaves a killed image and no chunks', async () => {
    const id = await create();
    const before = filesUnder(store()).length;
    const controller = new AbortController();
    let sent = 0;
    const body = new ReadableStream({
      async pull(c) {
        if (sent >= 6 * 1024 * 1024) {
          controller.abort();
          return;
        }
        c.enqueue(randomBytes(1 << 20));
        sent += 1 << 20;
        await new Promise((r) => setTimeout(r, 10));
      },
    });
    await fetch(`${t.url}/v2/images/${id}/file`, { method: 'PUT', headers: { 'x-auth-token': ADMIN_TOKEN, 'content-type': 'application/octet-stream' }, body, duplex: 'half', signal: controller.signal } as RequestInit).catch(() => undefined);
    await waitForStatus(t, id, ['killed']);
    expect(filesUnder(store()).length).toBe(before);
  });

  it('web-download imports in the background (202), shows progress, and ends active', async () => {
    const data = randomBytes(6 * 1024 * 1024);
    const slow = await slowServer(data, 128 * 1024, 40);
    try {
      const id = await create(alice);
      const res = await t.call('POST', `/v2/images/${id}/import`, { token: alice, body: { method: { name: 'web-download', uri: slow.url } } });
      expect(res.status).toBe(202);
      let sawProgress = false;
      for (let i = 0; i < 200; i++) {
        const image = (await t.call('GET', `/v2/images/${id}`, { token: alice })).body;
        if (image.status === 'importing' && image.p2p_progress?.bytes > 0) {
          expect(image.p2p_progress).toMatchObject({ method: 'web-download', total: data.length });
          sawProgress = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(sawProgress).toBe(true);
      const image = await waitForStatus(t, id, ['active', 'killed']);
      expect(image).toMatchObject({ status: 'active', size: data.length, os_hash_value: createHash('sha256').update(data).digest('hex'), p2p_progress: null });
      expect((await download(`${t.url}/v2/images/${id}/file`, { 'x-auth-token': alice })).body.equals(data)).toBe(true);
    } finally {
      slow.server.close();
    }
  });

  it('web-download of a URL that 404s, or of a port nobody listens on, kills the image with the reason', async () => {
    const missing = await create();
    expect((await t.call('POST', `/v2/images/${missing}/import`, { token: ADMIN_TOKEN, body: { method: { name: 'web-download', uri: `${web.url}nope.img` } } })).status).toBe(202);
    expect((await waitForStatus(t, missing, ['killed'])).p2p_status_reason).toMatch(/404/);
    const closed = await create();
    expect((await t.call('POST', `/v2/images/${closed}/import`, { token: ADMIN_TOKEN, body: { method: { name: 'web-download', uri: 'http://127.0.0.1:9/x.img' } } })).status).toBe(202);
    expect((await waitForStatus(t, closed, ['killed'])).p2p_status_reason).toMatch(/reach|ECONNREFUSED/);
  });

  it('a web-download that stops sending is killed after the stall timeout', async () => {
    const stuck = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write(Buffer.alloc(10));
    });
    await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', r));
    try {
      const id = await create();
      await t.call('POST', `/v2/images/${id}/import`, { token: ADMIN_TOKEN, body: { method: { name: 'web-download', uri: `http://127.0.0.1:${(stuck.address() as { port: number }).port}/x` } } });
      expect((await waitForStatus(t, id, ['killed'])).p2p_status_reason).toMatch(/no progress/);
    } finally {
      stuck.closeAllConnections();
      stuck.close();
    }
  });

  it('web-download with the default rules: a tenant cannot make Teller fetch from its host, its networks or the metadata service; an admin can', async () => {
    const t2 = await startTestTeller({}, t.registry);
    try {
      const id = (await t2.call('POST', '/v2/images', { token: alice, body: { name: 'ssrf', disk_format: 'raw', container_format: 'bare' } })).body.id as string;
      const refusals: Array<[string, RegExp]> = [
        [`${web.url}x.img`, /port \d+ is not among .*allowed_ports \(80, 443\)/],
        ['http://127.0.0.1/x.img', /127\.0\.0\.1 is a non-public address/],
        // which address a name has is not told (a tenant could map the internal DNS with it)
        ['http://localhost/x.img', /^web-download of http:\/\/localhost is not allowed: localhost is at a non-public address \(/],
        ['http://169.254.169.254/latest/meta-data/', /non-public address/],
        ['http://10.1.2.3/x.img', /non-public address/],
        ['http://[::1]/x.img', /non-public address/],
        ['http://[::ffff:127.0.0.1]/x.img', /non-public address/],
        ['http://0x7f000001/x.img', /non-public address/],
        ['http://user:secret@example.com/x.img', /may not carry credentials/],
      ];
      for (const [uri, reason] of refusals) {
        const res = await t2.call('POST', `/v2/images/${id}/import`, { token: alice, body: { method: { name: 'web-download', uri } } });
        expect(res.status, uri).toBe(400);
        expect(res.body.message, uri).toMatch(reason);
      }
      expect((await t2.call('GET', `/v2/images/${id}`, { token: alice })).body.status).toBe('queued');
      // an admin is trusted to import from inside (filter_admins: false by default)
      const data = randomBytes(1000);
      writeFileSync(join(web.root, 'admin.img'), data);
      const own = (await t2.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: { name: 'inside', disk_format: 'raw', container_format: 'bare' } })).body.id as string;
      expect((await t2.call('POST', `/v2/images/${own}/import`, { token: ADMIN_TOKEN, body: { method: { name: 'web-download', uri: `${web.url}admin.img` } } })).status).toBe(202);
      expect((await waitForStatus(t2, own, ['active', 'killed'])).status).toBe('active');
    } finally {
      await t2.close();
    }
  });

  it('web-download checks every redirect against the rules', async () => {
    const data = randomBytes(2000);
    writeFileSync(join(web.root, 'target.img'), data);
    const hop = createServer((_req, res) => res.writeHead(302, { location: `${web.url}target.img` }).end());
    const onward = createServer((req, res) => {
      if (req.url === '/elsewhere') res.writeHead(302, { location: `${web.url}target.img` }).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => hop.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => onward.listen(0, '127.0.0.1', r));
    const hopPort = (hop.address() as { port: number }).port;
    const webPort = Number(new URL(web.url).port);
    // only the first server's port and the file server's port are allowed
    const t2 = await startTestTeller({ ingest: { web_download: { allowed_ports: [hopPort, webPort], private_networks: true } } }, t.registry);
    try {
      const create2 = async () => (await t2.call('POST', '/v2/images', { token: alice, body: { name: 'hops', disk_format: 'raw', container_format: 'bare' } })).body.id as string;
      const good = await create2();
      expect((await t2.call('POST', `/v2/images/${good}/import`, { token: alice, body: { method: { name: 'web-download', uri: `http://127.0.0.1:${hopPort}/go` } } })).status).toBe(202);
      expect(await waitForStatus(t2, good, ['active', 'killed'])).toMatchObject({ status: 'active', size: data.length });
      // a redirect to a port that is not allowed kills the import with the rule
      hop.removeAllListeners('request');
      hop.on('request', (_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${(onward.address() as { port: number }).port}/elsewhere` }).end());
      const bad = await create2();
      expect((await t2.call('POST', `/v2/images/${bad}/import`, { token: alice, body: { method: { name: 'web-download', uri: `http://127.0.0.1:${hopPort}/go` } } })).status).toBe(202);
      expect((await waitForStatus(t2, bad, ['active', 'killed'])).p2p_status_reason).toMatch(/not allowed: port \d+ is not among/);
    } finally {
      await t2.close();
      hop.close();
      onward.close();
    }
  });

  it('rejects bad imports up front: unknown method, a file:// URL, an active image, no rights', async () => {
    const id = await create(alice);
    expect((await t.call('POST', `/v2/images/${id}/import`, { token: alice, body: { method: { name: 'teleport' } } })).status).toBe(400);
    expect((await t.call('POST', `/v2/images/${id}/import`, { token: alice, body: { method: { name: 'web-download', uri: 'file:///etc/passwd' } } })).status).toBe(400);
    expect((await t.call('POST', `/v2/images/${id}/import`, { token: alice, body: { method: 'web-download' } })).status).toBe(400);
    expect((await t.call('POST', `/v2/images/${id}/import`, { token: reader, body: { method: { name: 'web-download', uri: `${web.url}x` } } })).status).toBe(403);
    const { id: active } = await uploadImage(t, { size: 100 });
    expect((await t.call('POST', `/v2/images/${active}/import`, { token: ADMIN_TOKEN, body: { method: { name: 'web-download', uri: `${web.url}x` } } })).status).toBe(409);
    expect((await t.call('GET', `/v2/images/${id}`, { token: alice })).body.status).toBe('queued');
  });

  it('glance-download copies an image from another installation: bytes, properties, name, origin', async () => {
    const other = await startTestTeller();
    try {
      const data = randomBytes(3 * 1024 * 1024 + 5);
      const source = await other.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: { name: 'from-a', disk_format: 'qcow2', container_format: 'bare', os_distro: 'alpine', visibility: 'public' } });
      expect((await other.call('PUT', `/v2/images/${source.body.id}/file`, { token: ADMIN_TOKEN, body: data })).status).toBe(204);
      const sourceImage = (await other.call('GET', `/v2/images/${source.body.id}`, { token: ADMIN_TOKEN })).body;
      const id = (await t.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: {} })).body.id;
      const res = await t.call('POST', `/v2/images/${id}/import`, { token: ADMIN_TOKEN, body: { method: { name: 'glance-download', uri: sourceImage.uri } } });
      expect(res.status).toBe(202);
      const copy = await waitForStatus(t, id, ['active', 'killed']);
      expect(copy).toMatchObject({ status: 'active', name: 'from-a', disk_format: 'qcow2', container_format: 'bare', os_distro: 'alpine', os_hash_value: sourceImage.os_hash_value, p2p_origin_uri: sourceImage.uri });
      expect((await download(`${t.url}/v2/images/${id}/file`, { 'x-auth-token': ADMIN_TOKEN })).body.equals(data)).toBe(true);
      // a tenant may copy only from a registry the operator configured
      const mine = await create(alice);
      const refused = await t.call('POST', `/v2/images/${mine}/import`, { token: alice, body: { method: { name: 'glance-download', uri: sourceImage.uri } } });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/not one of seeder\.registries/);
      // configured with the other registry's admin token: the tenant still copies only what anyone may read there
      const t3 = await startTestTeller({ registries: [{ name: 'other', url: other.url, token: ADMIN_TOKEN }] }, t.registry);
      try {
        const ok = (await t3.call('POST', '/v2/images', { token: alice, body: {} })).body.id as string;
        expect((await t3.call('POST', `/v2/images/${ok}/import`, { token: alice, body: { method: { name: 'glance-download', uri: sourceImage.uri } } })).status).toBe(202);
        expect(await waitForStatus(t3, ok, ['active', 'killed'])).toMatchObject({ status: 'active', os_hash_value: sourceImage.os_hash_value });
        const hidden = await other.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: { name: 'private', disk_format: 'raw', container_format: 'bare', visibility: 'private' } });
        expect((await other.call('PUT', `/v2/images/${hidden.body.id}/file`, { token: ADMIN_TOKEN, body: randomBytes(1000) })).status).toBe(204);
        const hiddenUri = (await other.call('GET', `/v2/images/${hidden.body.id}`, { token: ADMIN_TOKEN })).body.uri as string;
        const tenantCopy = (await t3.call('POST', '/v2/images', { token: alice, body: {} })).body.id as string;
        expect((await t3.call('POST', `/v2/images/${tenantCopy}/import`, { token: alice, body: { method: { name: 'glance-download', uri: hiddenUri } } })).status).toBe(202);
        expect((await waitForStatus(t3, tenantCopy, ['active', 'killed'])).status).toBe('killed');
        // the admin, with the configured token, may
        const adminCopy = (await t3.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: {} })).body.id as string;
        expect((await t3.call('POST', `/v2/images/${adminCopy}/import`, { token: ADMIN_TOKEN, body: { method: { name: 'glance-download', uri: hiddenUri } } })).status).toBe(202);
        expect((await waitForStatus(t3, adminCopy, ['active', 'killed'])).status).toBe('active');
      } finally {
        await t3.close();
      }
    } finally {
      await other.close();
    }
  });

  it('removes the chunks of a deleted image from the store', async () => {
    const { id } = await uploadImage(t, { size: 5 * 1024 * 1024 });
    const image = (await t.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body;
    // the file store keeps an etag sidecar per object under its reserved folder; count the objects
    const chunkFiles = () => filesUnder(store()).filter((f) => f.includes(id) && !f.endsWith('.json'));
    expect(chunkFiles()).toHaveLength(image.locations[0].chunks.length);
    expect((await t.call('DELETE', `/v2/images/${id}`, { token: ADMIN_TOKEN })).status).toBe(204);
    for (let i = 0; i < 100 && chunkFiles().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(chunkFiles()).toEqual([]);
    for (let i = 0; i < 100; i++) {
      const tombs = (await t.registry.call('GET', '/internal/v1/deleted-images', { token: 'service-token-for-tests-0123456789' })).body.deleted_images;
      if (!tombs.some((d: { id: string }) => d.id === id)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('purges its cache and the caches in front when an image is deactivated, and when one is deleted', async () => {
    const purges: string[] = [];
    const varnish = createServer((req, res) => {
      purges.push(`${req.method} ${req.url}`);
      res.end();
    });
    await new Promise<void>((r) => varnish.listen(0, '127.0.0.1', r));
    const t2 = await startTestTeller({ purge_urls: [`http://127.0.0.1:${(varnish.address() as { port: number }).port}`] }, t.registry);
    try {
      const { id, data } = await uploadImage(t2, { size: 2 * 1024 * 1024 });
      await download(`${t2.url}/v2/images/${id}/file`, { 'x-auth-token': ADMIN_TOKEN });
      const sha = createHash('sha256').update(data).digest('hex');
      expect(existsSync(join(t2.teller.cache.dir, sha))).toBe(true);
      await t2.call('POST', `/v2/images/${id}/actions/deactivate`, { token: ADMIN_TOKEN });
      for (let i = 0; i < 100 && !purges.includes(`PURGE /v2/images/${id}/file`); i++) await new Promise((r) => setTimeout(r, 50));
      expect(purges).toContain(`PURGE /v2/images/${id}/file`);
      // the local purge runs beside the PURGE to the caches in front
      for (let i = 0; i < 100 && existsSync(join(t2.teller.cache.dir, sha)); i++) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(join(t2.teller.cache.dir, sha))).toBe(false);
      // deleted: the same, for another image
      const other = await uploadImage(t2, { size: 1024 * 1024 });
      await download(`${t2.url}/v2/images/${other.id}/file`, { 'x-auth-token': ADMIN_TOKEN });
      const otherSha = createHash('sha256').update(other.data).digest('hex');
      expect(existsSync(join(t2.teller.cache.dir, otherSha))).toBe(true);
      expect((await t2.call('DELETE', `/v2/images/${other.id}`, { token: ADMIN_TOKEN })).status).toBe(204);
      for (let i = 0; i < 100 && !purges.includes(`PURGE /v2/images/${other.id}/file`); i++) await new Promise((r) => setTimeout(r, 50));
      expect(purges).toContain(`PURGE /v2/images/${other.id}/file`);
      for (let i = 0; i < 100 && existsSync(join(t2.teller.cache.dir, otherSha)); i++) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(join(t2.teller.cache.dir, otherSha))).toBe(false);
    } finally {
      await t2.close();
      varnish.close();
    }
  });

  it('stores a zero-byte upload as one empty chunk and serves it', async () => {
    const { id } = await uploadImage(t, { data: Buffer.alloc(0) });
    const image = (await t.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body;
    expect(image).toMatchObject({ status: 'active', size: 0, os_hash_value: createHash('sha256').digest('hex') });
    const res = await download(`${t.url}/v2/images/${id}/file`, { 'x-auth-token': ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
  });

  it('keeps the whole data of a file in the web server reachable by web-download (sanity of the helper)', () => {
    writeFileSync(join(web.root, 'hello.txt'), 'hi');
    expect(existsSync(join(web.root, 'hello.txt'))).toBe(true);
  });
});
