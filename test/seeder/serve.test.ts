import { createHash } from 'node:crypto';
import bencode from 'bencode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, uploadImage } from '../helpers/images.js';
import { ADMIN_TOKEN } from '../helpers/registry.js';
import { startTestTeller, type TestTeller } from '../helpers/teller.js';

describe('Teller: GET /v2/images/{id}/file (file store, real registry)', () => {
  let t: TestTeller;
  let id: string;
  let data: Buffer;
  let alice: string;
  let bob: string;
  const file = (imageId = id) => `${t.url}/v2/images/${imageId}/file`;
  beforeAll(async () => {
    t = await startTestTeller({ ingest: { chunk_size: 4 * 1024 * 1024 } });
    alice = await t.registry.token('alice', 'proj-a', ['member']);
    bob = await t.registry.token('bob', 'proj-b', ['member']);
    ({ id, data } = await uploadImage(t, { size: 9 * 1024 * 1024 + 77, token: alice, body: { visibility: 'private' } }));
  });
  afterAll(async () => t.close());

  it('stores the upload in chunks that are whole pieces, and records hashes and the torrent', async () => {
    const image = (await t.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body;
    expect(image).toMatchObject({ status: 'active', size: data.length, os_hash_algo: 'sha256', os_hash_value: createHash('sha256').update(data).digest('hex'), checksum: createHash('md5').update(data).digest('hex') });
    expect(image.p2p_infohash).toMatch(/^[0-9a-f]{40}$/);
    const chunks = image.locations[0].chunks;
    expect(chunks.map((c: { size: number }) => c.size)).toEqual([4 << 20, 4 << 20, data.length - (8 << 20)]);
    expect(chunks[0].size % image.p2p_piece_length).toBe(0);
    for (const c of chunks) expect(c.sha256).toBe(createHash('sha256').update(data.subarray(c.offset, c.offset + c.size)).digest('hex'));
    // the torrent Teller built: private, named after the image, the pieces of these bytes, no web seed
    const res = await fetch(`${t.url}/v2/images/${id}/torrent`, { headers: { 'x-auth-token': alice } });
    expect(res.status).toBe(200);
    const meta = bencode.decode(new Uint8Array(await res.arrayBuffer())) as Record<string, any>;
    expect(meta['url-list']).toBeUndefined();
    expect(new TextDecoder().decode(meta.announce)).toMatch(/^http:\/\/127\.0\.0\.1:6969\/announce\?passkey=\w+/);
    const info = meta.info;
    expect(info.private).toBe(1);
    expect(new TextDecoder().decode(info.name)).toBe('test-image');
    expect(info.length).toBe(data.length);
    const pieceLength = info['piece length'] as number;
    expect(pieceLength).toBe(image.p2p_piece_length);
    const pieces = Buffer.from(info.pieces);
    expect(pieces.length).toBe(Math.ceil(data.length / pieceLength) * 20);
    for (let i = 0; i * pieceLength < data.length; i++) {
      expect(pieces.subarray(i * 20, i * 20 + 20).equals(createHash('sha1').update(data.subarray(i * pieceLength, (i + 1) * pieceLength)).digest())).toBe(true);
    }
    expect(createHash('sha1').update(bencode.encode(info)).digest('hex')).toBe(image.p2p_infohash);
  });

  it('serves the whole image, cold then warm, with the right headers', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await download(file(), { 'x-auth-token': alice });
      expect(res.status).toBe(200);
      expect(res.body.equals(data)).toBe(true);
      expect(res.headers.get('content-length')).toBe(String(data.length));
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      expect(res.headers.get('etag')).toBe(`"${createHash('sha256').update(data).digest('hex')}"`);
      expect(res.headers.get('content-md5')).toBe(createHash('md5').update(data).digest('hex'));
      expect(res.headers.get('cache-control')).toMatch(/private/);
    }
    expect(t.teller.cache.stats().entries).toBe(1);
  });

  it('answers single, open-ended and suffix ranges with 206, and 416 for bad ones', async () => {
    const cases: Array<[string, number, number]> = [
      ['bytes=0-0', 0, 1],
      ['bytes=100-199', 100, 200],
      [`bytes=${data.length - 1}-`, data.length - 1, data.length],
      ['bytes=4194300-4194400', 4194300, 4194401],
      ['bytes=-10', data.length - 10, data.length],
      [`bytes=5-${data.length + 1000}`, 5, data.length],
    ];
    for (const [range, start, end] of cases) {
      const res = await download(file(), { 'x-auth-token': alice, range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end - 1}/${data.length}`);
      expect(res.body.equals(data.subarray(start, end)), range).toBe(true);
    }
    for (const range of [`bytes=${data.length}-`, 'bytes=-0', 'bytes=9-3', 'bytes=abc']) {
      const res = await download(file(), { 'x-auth-token': alice, range });
      expect(res.status, range).toBe(416);
      expect(JSON.parse(res.body.toString())).toMatchObject({ code: 416 });
      // RFC 9110: the size, so the client can ask again; and nothing a cache in front may keep
      expect(res.headers.get('content-range'), range).toBe(`bytes */${data.length}`);
      expect(res.headers.get('cache-control'), range).toBe('no-store');
      expect(res.headers.get('etag'), range).toBeNull();
    }
    // several ranges, or a unit other than bytes (which RFC 9110 says to ignore): the whole image
    for (const range of ['bytes=0-1,5-6', 'items=0-1']) {
      const whole = await download(file(), { 'x-auth-token': alice, range });
      expect(whole.status, range).toBe(200);
      expect(whole.body.equals(data), range).toBe(true);
    }
  });

  it('supports HEAD and conditional GET', async () => {
    const head = await fetch(file(), { method: 'HEAD', headers: { 'x-auth-token': alice } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(data.length));
    const etag = head.headers.get('etag')!;
    const again = await fetch(file(), { headers: { 'x-auth-token': alice, 'if-none-match': etag } });
    expect(again.status).toBe(304);
    // Range means nothing to HEAD (RFC 9110 defines it for GET)
    const headRange = await fetch(file(), { method: 'HEAD', headers: { 'x-auth-token': alice, range: 'bytes=0-9' } });
    expect(headRange.status).toBe(200);
    expect(headRange.headers.get('content-length')).toBe(String(data.length));
    // If-Range: the range only while the ETag still matches, else the whole image
    const current = await download(file(), { 'x-auth-token': alice, range: 'bytes=0-9', 'if-range': etag });
    expect(current.status).toBe(206);
    expect(current.body.equals(data.subarray(0, 10))).toBe(true);
    const stale = await download(file(), { 'x-auth-token': alice, range: 'bytes=0-9', 'if-range': '"not-this-one"' });
    expect(stale.status).toBe(200);
    expect(stale.body.equals(data)).toBe(true);
  });

  it('asks the registry who may read: 404 for others and unknown ids, 401 for a wrong token', async () => {
    expect((await download(file(), { 'x-auth-token': bob })).status).toBe(404);
    expect((await download(file())).status).toBe(404);
    expect((await download(file(), { 'x-auth-token': 'wrong' })).status).toBe(401);
    expect((await download(file('6a5a8a4e-0000-4000-8000-000000000000'), { 'x-auth-token': alice })).status).toBe(404);
  });

  it('answers 204 for an image without data, and 403 for a deactivated one except to admins', async () => {
    const queued = await t.call('POST', '/v2/images', { token: alice, body: { name: 'empty' } });
    expect((await download(file(queued.body.id), { 'x-auth-token': alice })).status).toBe(204);
    const other = await uploadImage(t, { size: 1000, token: alice });
    expect((await t.call('POST', `/v2/images/${other.id}/actions/deactivate`, { token: alice })).status).toBe(204);
    const refused = await download(file(other.id), { 'x-auth-token': alice });
    expect(refused.status).toBe(403);
    const admin = await download(file(other.id), { 'x-auth-token': ADMIN_TOKEN });
    expect(admin.status).toBe(200);
    expect(admin.body.equals(other.data)).toBe(true);
  });

  it('serves public images anonymously with shared-cache headers', async () => {
    const pub = await uploadImage(t, { size: 5000, body: { visibility: 'public' } });
    const res = await download(file(pub.id));
    expect(res.status).toBe(200);
    expect(res.body.equals(pub.data)).toBe(true);
    expect(res.headers.get('cache-control')).toMatch(/public/);
    expect(res.headers.get('surrogate-key')).toBe(`image-${pub.id}`);
  });

  it('hands out signed, expiring URLs that work without headers (and only for that image)', async () => {
    const signed = await t.call('POST', `/p2p/v1/images/${id}/signed-url`, { token: alice, body: { ttl_s: 60 } });
    expect(signed.status).toBe(200);
    const url = new URL(signed.body.url);
    expect(url.pathname).toBe(`/v2/images/${id}/file`);
    const res = await download(`${t.url}${url.pathname}${url.search}`, { range: 'bytes=0-99' });
    expect(res.status).toBe(206);
    expect(res.body.equals(data.subarray(0, 100))).toBe(true);
    const other = (await t.call('POST', '/v2/images', { token: alice, body: { name: 'x' } })).body.id;
    expect((await download(`${t.url}/v2/images/${other}/file${url.search}`)).status).toBe(403);
    const tampered = url.search.replace(/sig=./, (m) => (m.endsWith('A') ? 'sig=B' : 'sig=A'));
    expect((await download(`${t.url}${url.pathname}${tampered}`)).status).toBe(403);
    const expired = url.search.replace(/expires=\d+/, 'expires=1000');
    const res2 = await download(`${t.url}${url.pathname}${expired}`);
    expect(res2.status).toBe(403);
    expect(res2.body.toString()).toMatch(/expired|signature/);
    expect((await t.call('POST', `/p2p/v1/images/${id}/signed-url`, { token: bob })).status).toBe(404);
  });

  it('is the front door: metadata calls go to the registry, and links name Teller', async () => {
    const versions = await t.call('GET', '/versions');
    expect(versions.body.versions[0].links[0].href).toBe(`${t.url}/v2/`);
    const patched = await t.call('PATCH', `/v2/images/${id}`, { token: alice, headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' }, body: [{ op: 'add', path: '/os_distro', value: 'cirros' }] });
    expect(patched.status).toBe(200);
    expect((await t.call('PUT', `/v2/images/${id}/tags/gold`, { token: alice })).status).toBe(204);
    expect((await t.call('GET', `/v2/images?os_distro=cirros`, { token: alice })).body.images.map((i: { id: string }) => i.id)).toEqual([id]);
    expect((await t.call('GET', '/v2/schemas/image')).status).toBe(200);
    const bad = await t.call('PATCH', `/v2/images/${id}`, { token: alice, body: [] });
    expect(bad.status).toBe(415);
    expect((await t.call('GET', '/healthz')).body).toMatchObject({ status: 'ok', service: 'seeder' });
    const docs = await t.call('GET', '/docs/json');
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/v2/images/{id}/file', '/v2/images/{id}/import', '/p2p/v1/images/{id}/signed-url']));
    expect((await t.call('GET', '/p2p/v1/endpoints')).body).toEqual({ registry: t.url, seeder: t.url, trackers: [['http://127.0.0.1:6969/announce']] });
    expect((await t.call('GET', '/metrics')).text).toContain('glance_p2p_teller_served_bytes_total');
  });
});
