import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCutProxy, type CutProxy } from '../helpers/cut-proxy.js';
import { download, uploadImage } from '../helpers/images.js';
import { lyingFactory, type LieControls } from '../helpers/lying-store.js';
import { ADMIN_TOKEN } from '../helpers/registry.js';
import { startSwift, type SwiftServer } from '../helpers/swift-aio.js';
import { startTestTeller, type TestTeller } from '../helpers/teller.js';

const CHUNK = 4 * 1024 * 1024;
const BUCKET = 'teller-faults';

/** Chunk keys of an image in the bucket, from the registry's record. */
async function chunkKeys(t: TestTeller, id: string): Promise<string[]> {
  const image = (await t.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body;
  return image.locations[0].chunks.map((c: { url: string }) => c.url.replace(`s3://${BUCKET}/`, ''));
}

/** Store reads counted by Teller's own store metrics. */
async function storeReads(t: TestTeller): Promise<number> {
  const text = (await t.call('GET', '/metrics')).text;
  return text
    .split('\n')
    .filter((l) => l.startsWith('glance_store_requests_total{') && l.includes('op="read"'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('Teller faults, against the S3 API of a real Swift (through a proxy that can cut it)', () => {
  let swift: SwiftServer;
  let proxy: CutProxy;
  let t: TestTeller;
  let s3: S3Client;
  const lies: LieControls = { corrupt: undefined, reads: 0 };
  const file = (id: string) => `${t.url}/v2/images/${id}/file`;
  const cacheFiles = () => readdirSync(t.teller.cache.dir);
  /** Wait until no cache fill is writing (fills go on in the background after their client left). */
  const fillsSettled = async () => {
    for (let i = 0; i < 100 && cacheFiles().some((f) => f.includes('.partial-')); i++) await new Promise((r) => setTimeout(r, 50));
  };

  beforeAll(async () => {
    swift = await startSwift();
    await swift.createContainer(BUCKET);
    const endpoint = new URL(swift.s3Endpoint);
    proxy = await startCutProxy({ host: endpoint.hostname, port: Number(endpoint.port) });
    s3 = new S3Client({ region: swift.region, endpoint: swift.s3Endpoint, forcePathStyle: true, credentials: { accessKeyId: swift.s3AccessKey, secretAccessKey: swift.s3Secret } });
    const store = { id: 'swift-s3', type: 'lying-s3', options: { bucket: BUCKET, endpoint: proxy.url, region: swift.region, accessKeyId: swift.s3AccessKey, secretAccessKey: swift.s3Secret }, retry: { attempts: 1 } };
    // corrupt pieces are refused without a store read for 2 s (60 by default)
    t = await startTestTeller({ stores: [store], ingest: { chunk_size: CHUNK }, corrupt_retry_s: 2 }, undefined, lyingFactory(lies));
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await proxy?.stop();
    s3?.destroy();
    await swift?.stop();
  });
  beforeEach(() => {
    lies.corrupt = undefined;
    proxy.cutAfter(undefined);
  });

  it('serves an image stored in Swift through S3, from the store and then from the cache', async () => {
    const { id, data } = await uploadImage(t, { size: 2 * CHUNK + 999 });
    expect(await chunkKeys(t, id)).toHaveLength(3);
    const cold = await download(file(id), { 'x-auth-token': ADMIN_TOKEN });
    expect(cold.status).toBe(200);
    expect(cold.body.equals(data)).toBe(true);
    const reads = await storeReads(t);
    const warm = await download(file(id), { 'x-auth-token': ADMIN_TOKEN });
    expect(warm.body.equals(data)).toBe(true);
    expect(await storeReads(t)).toBe(reads);
  });

  it('a chunk deleted behind Teller\'s back: 502 naming the chunk (HEAD too), nothing cached, nothing cacheable', async () => {
    const { id, data } = await uploadImage(t, { size: 2 * CHUNK + 5 });
    const keys = await chunkKeys(t, id);
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: keys[1] }));
    const res = await download(file(id), { 'x-auth-token': ADMIN_TOKEN });
    expect(res.status).toBe(502);
    const body = JSON.parse(res.body.toString());
    expect(body).toMatchObject({ code: 502, chunk: 1, reason: 'missing' });
    expect(body.message).toMatch(/Chunk 1 .* missing/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('etag')).toBeNull();
    const head = await fetch(file(id), { method: 'HEAD', headers: { 'x-auth-token': ADMIN_TOKEN } });
    expect(head.status).toBe(502);
    expect(head.headers.get('etag')).toBeNull();
    expect(cacheFiles()).not.toContain(createHash('sha256').update(data).digest('hex'));
    expect(cacheFiles().some((f) => f.includes('.partial-'))).toBe(false);
  });

  it('a chunk replaced by one of another size: 502 naming the chunk and the reason', async () => {
    const { id } = await uploadImage(t, { size: CHUNK + 1234 });
    const keys = await chunkKeys(t, id);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: keys[1], Body: randomBytes(1000), ContentType: 'application/octet-stream' }));
    const res = await download(file(id), { 'x-auth-token': ADMIN_TOKEN });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body.toString())).toMatchObject({ chunk: 1, reason: 'size' });
  });

  it('a registry record whose SHA-256 does not match the bytes (every piece does): never served complete, never cached', async () => {
    const { id, data } = await uploadImage(t, { size: 2 * CHUNK + 77 });
    const wrong = createHash('sha256').update('not these bytes').digest('hex');
    const db = new Database(join(t.registry.dataDir, 'registry.sqlite'));
    try {
      db.prepare('UPDATE images SET os_hash_value = ? WHERE id = ?').run(wrong, id);
    } finally {
      db.close();
    }
    const res = await download(file(id), { 'x-auth-token': ADMIN_TOKEN });
    expect(res.body.length).toBeLessThan(data.length);
    await fillsSettled();
    expect(cacheFiles()).not.toContain(wrong);
    expect(cacheFiles()).not.toContain(createHash('sha256').update(data).digest('hex'));
  });

  it('a chunk overwritten with other bytes of the same size: the etag differs, 502', async () => {
    const { id } = await uploadImage(t, { size: CHUNK + 1234 });
    const keys = await chunkKeys(t, id);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: keys[0], Body: randomBytes(CHUNK), ContentType: 'application/octet-stream' }));
    const res = await download(file(id), { 'x-auth-token': ADMIN_TOKEN });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body.toString())).toMatchObject({ chunk: 0, reason: 'etag' });
  });

  it('a store that lies (same etag, corrupt bytes): the stream is cut, nothing is cached, and the bad piece is refused with its reason until Teller reads it again', async () => {
    const { id, data } = await uploadImage(t, { size: 2 * CHUNK + 77 });
    const sha = createHash('sha256').update(data).digest('hex');
    // corrupt in the second piece: the first piece goes out, then the response is cut
    lies.corrupt = { suffix: '.000001', offset: 6_000_000 - CHUNK };
    const whole = await download(file(id), { 'x-auth-token': ADMIN_TOKEN });
    expect(whole.status).toBe(200);
    expect(whole.body.length).toBeLessThan(data.length);
    await fillsSettled();
    // a range inside the corrupt piece is never delivered whole either
    const ranged = await download(file(id), { 'x-auth-token': ADMIN_TOKEN, range: 'bytes=5900000-6100000' });
    expect(ranged.body.equals(data.subarray(5_900_000, 6_100_001))).toBe(false);
    expect(ranged.body.length).toBeLessThan(200_001);
    await fillsSettled();
    expect(cacheFiles()).not.toContain(sha);
    // the store stops lying; while Teller remembers the bad piece it refuses it at once, with the reason and no store read
    lies.corrupt = undefined;
    const reads = lies.reads;
    const refused = await download(file(id), { 'x-auth-token': ADMIN_TOKEN });
    expect(refused.status).toBe(502);
    expect(JSON.parse(refused.body.toString())).toMatchObject({ code: 502, piece: 1, message: expect.stringMatching(/Piece 1 of image .* does not match its hash/) });
    expect(lies.reads).toBe(reads);
    // then it reads again: the same image is served whole and cached
    await new Promise((r) => setTimeout(r, 2100));
    const fine = await download(file(id), { 'x-auth-token': ADMIN_TOKEN });
    expect(fine.body.equals(data)).toBe(true);
    // the fill commits once its whole-image SHA-256 is checked, which can end just after the response
    await fillsSettled();
    expect(cacheFiles()).toContain(sha);
  });

  it('a range whose store read fails before its first byte: a 502 with none of the image\'s headers', async () => {
    const { id } = await uploadImage(t, { size: CHUNK + 20 });
    lies.corrupt = { suffix: '.000000', offset: 50 };
    const res = await download(file(id), { 'x-auth-token': ADMIN_TOKEN, range: 'bytes=0-99' });
    lies.corrupt = undefined;
    expect(res.status).toBe(502);
    for (const name of ['etag', 'content-range', 'accept-ranges', 'surrogate-key', 'content-md5']) expect(res.headers.get(name), name).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    await fillsSettled();
  });

  it('a store that lies in the very first piece: nothing can be sent, so the answer is a 502', async () => {
    const { id, data } = await uploadImage(t, { size: CHUNK + 10 });
    lies.corrupt = { suffix: '.000000', offset: 1000 };
    const early = await download(file(id), { 'x-auth-token': ADMIN_TOKEN });
    expect(early.status).toBe(502);
    expect(JSON.parse(early.body.toString())).toMatchObject({ code: 502, piece: 0 });
    await fillsSettled();
    expect(cacheFiles()).not.toContain(createHash('sha256').update(data).digest('hex'));
  });

  it('the store going down mid-stream: the client sees a cut, nothing is cached, the next try works', async () => {
    const { id, data } = await uploadImage(t, { size: 2 * CHUNK + 3 });
    const sha = createHash('sha256').update(data).digest('hex');
    proxy.cutAfter(3 * 1024 * 1024);
    const res = await download(file(id), { 'x-auth-token': ADMIN_TOKEN });
    expect(Boolean(res.cut) || res.status >= 500 || res.body.length < data.length).toBe(true);
    expect(res.body.equals(data)).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(cacheFiles()).not.toContain(sha);
    proxy.cutAfter(undefined);
    const again = await download(file(id), { 'x-auth-token': ADMIN_TOKEN });
    expect(again.body.equals(data)).toBe(true);
  });

  it('100 concurrent clients on one cold image: one read per chunk from the store, identical correct bytes for all', async () => {
    const { id, data } = await uploadImage(t, { size: 3 * CHUNK + 4321 });
    const expected = createHash('sha256').update(data).digest('hex');
    const before = await storeReads(t);
    const results = await Promise.all(Array.from({ length: 100 }, () => download(file(id), { 'x-auth-token': ADMIN_TOKEN })));
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(createHash('sha256').update(r.body).digest('hex')).toBe(expected);
    }
    expect(await storeReads(t)).toBe(before + 4);
  });

  it('a client that disconnects at 10%: the cache still completes', async () => {
    const { id, data } = await uploadImage(t, { size: 3 * CHUNK });
    const sha = createHash('sha256').update(data).digest('hex');
    const controller = new AbortController();
    const res = await fetch(file(id), { headers: { 'x-auth-token': ADMIN_TOKEN }, signal: controller.signal });
    const reader = res.body!.getReader();
    let got = 0;
    while (got < data.length / 10) got += (await reader.read()).value!.length;
    controller.abort();
    for (let i = 0; i < 100 && !cacheFiles().includes(sha); i++) await new Promise((r) => setTimeout(r, 100));
    expect(cacheFiles()).toContain(sha);
    const reads = await storeReads(t);
    const warm = await download(file(id), { 'x-auth-token': ADMIN_TOKEN });
    expect(warm.body.equals(data)).toBe(true);
    expect(await storeReads(t)).toBe(reads);
  });
});
