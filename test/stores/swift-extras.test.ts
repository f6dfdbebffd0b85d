/**
 * Swift beyond the conformance suite: large objects (SLO, DLO), tempauth and Keystone v3
 * auth with token renewal, wrong credentials, and servers dying mid-read, all against a
 * real Swift (and its s3api) started once for this file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStoreError } from '../../src/stores/errors.js';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Store } from '../../src/stores/s3/s3-store.js';
import type { SwiftAuthOptions } from '../../src/stores/swift/swift-options.js';
import { SwiftStore } from '../../src/stores/swift/swift-store.js';
import { startCutProxy, type CutProxy } from '../helpers/cut-proxy.js';
import { s3Error, startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startSwift, type SwiftServer } from '../helpers/swift-aio.js';
import { expectBytes, expectStoreError, readAll } from './conformance.js';

let swift: SwiftServer;
let token: string;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const segments = [randomBytes(100_000), randomBytes(150_000), randomBytes(50_000)];
const whole = Buffer.concat(segments);

async function swiftPut(path: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(`${swift.storageUrl}/${path}`, { method: 'PUT', body, headers: { 'X-Auth-Token': token, ...headers } });
  if (res.status !== 201) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`);
}

function tempauth(key = swift.key): SwiftAuthOptions {
  return { type: 'tempauth', url: swift.authUrl, user: swift.user, key };
}

beforeAll(async () => {
  swift = await startSwift();
  token = await swift.token();
  for (const c of ['large', 'segs', 'faults']) await swift.createContainer(c);
  for (const [i, seg] of segments.entries()) {
    await swiftPut(`segs/slo-${i}`, seg);
    await swiftPut(`segs/dlo-part-${i}`, seg);
  }
  const manifest = segments.map((seg, i) => ({ path: `/segs/slo-${i}`, etag: md5(seg), size_bytes: seg.length }));
  await swiftPut('large/slo?multipart-manifest=put', JSON.stringify(manifest));
  await swiftPut('large/dlo', '', { 'X-Object-Manifest': 'segs/dlo-part-' });
});
afterAll(async () => {
  await swift?.stop();
});

describe('Swift large objects', () => {
  it.each(['slo', 'dlo'])('reads a %s whole and by ranges across segment boundaries; HEAD gives the quoted etag as Swift sends it', async (key) => {
    const store = new SwiftStore('swift', { auth: tempauth(), container: 'large' });
    const info = await store.head(key);
    expect(info.size).toBe(whole.length);
    expect(info.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(info.etag).toBe(`"${md5(Buffer.from(segments.map((s) => md5(s)).join('')))}"`);
    expectBytes(await readAll(await store.read(key)), whole);
    for (const [offset, length] of [[99_990, 20], [249_999, 2], [50_000, 200_000], [0, 300_000], [299_999, 1]] as const) {
      expectBytes(await readAll(await store.read(key, { offset, length })), whole.subarray(offset, offset + length));
    }
    expectBytes(await readAll(await store.read(key, { offset: 100_000 })), whole.subarray(100_000));
    await store.close();
  });
});

describe('Swift auth', () => {
  it('fails with StoreAuthError on a wrong tempauth key, before any byte is sent', async () => {
    const store = new SwiftStore('swift', { auth: tempauth('wrong'), container: 'faults' });
    await expectStoreError(store.head('x'), 'AUTH');
    await expectStoreError(store.write('x'), 'AUTH');
    await store.close();
  });

  describe('with a Keystone v3 (and a tempauth v1) endpoint in front of the real Swift', () => {
    let identity: Server;
    let identityUrl: string;
    const calls = { keystone: 0, tempauth: 0 };
    beforeAll(async () => {
      // Hands out one dead token first, then real tempauth tokens: the store must renew on 401.
      identity = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', async () => {
          if (req.method === 'POST' && req.url === '/v3/auth/tokens') {
            const n = ++calls.keystone;
            const auth = JSON.parse(body) as { auth: { identity: { password: { user: { name: string; password: string; domain: { name: string } } } }; scope?: { project: { name: string } } } };
            const user = auth.auth.identity.password.user;
            if (user.name !== 'glance' || user.password !== 'secret' || user.domain.name !== 'Default' || auth.auth.scope?.project.name !== 'service') {
              res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":401}}');
              return;
            }
            const subject = n === 1 ? 'AUTH_tkdead' : await swift.token();
            const catalog = [
              { type: 'identity', endpoints: [{ interface: 'public', region: 'RegionOne', url: identityUrl }] },
              { type: 'object-store', endpoints: [
                { interface: 'internal', region: 'RegionOne', url: 'http://127.0.0.1:9/wrong' },
                { interface: 'public', region: 'RegionOne', url: swift.storageUrl },
              ] },
            ];
            res.writeHead(201, { 'x-subject-token': subject, 'content-type': 'application/json' });
            res.end(JSON.stringify({ token: { expires_at: new Date(Date.now() + 3600_000).toISOString(), catalog } }));
          } else if (req.method === 'GET' && req.url === '/auth/v1.0') {
            const n = ++calls.tempauth;
            res.writeHead(200, { 'x-auth-token': n === 1 ? 'AUTH_tkdead' : await swift.token(), 'x-storage-url': swift.storageUrl }).end();
          } else {
            res.writeHead(404).end();
          }
        });
      });
      await new Promise<void>((r) => identity.listen(0, '127.0.0.1', r));
      identityUrl = `http://127.0.0.1:${(identity.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      await new Promise((r) => identity.close(r));
    });

    it('authenticates with Keystone v3, finds Swift in the catalog, and renews a token Swift refuses', async () => {
      const store = new SwiftStore('swift', {
        auth: { type: 'keystone', url: `${identityUrl}/v3`, username: 'glance', password: 'secret', projectName: 'service', region: 'RegionOne' },
        container: 'faults',
      });
      const w = await store.write('keystone.bin');
      w.end(Buffer.from('via keystone'));
      expect((await w.commit()).etag).toBe(md5(Buffer.from('via keystone')));
      expect((await readAll(await store.read('keystone.bin'))).toString()).toBe('via keystone');
      await store.delete('keystone.bin');
      expect(calls.keystone).toBe(2);
      await store.close();
    });

    it('renews a refused tempauth token too', async () => {
      const store = new SwiftStore('swift', { auth: { type: 'tempauth', url: `${identityUrl}/auth/v1.0`, user: 'test:tester', key: 'x' }, container: 'large' });
      expect((await store.head('slo')).size).toBe(whole.length);
      expect(calls.tempauth).toBe(2);
      await store.close();
    });

    it('fails with StoreAuthError on a wrong Keystone password', async () => {
      const store = new SwiftStore('swift', {
        auth: { type: 'keystone', url: `${identityUrl}/v3`, username: 'glance', password: 'wrong', projectName: 'service' },
        container: 'faults',
      });
      await expectStoreError(store.head('x'), 'AUTH');
      await store.close();
    });
  });

  it('fails with StoreAuthError on a wrong S3 secret (s3api checks signatures; s3rver does not)', async () => {
    const store = new S3Store('s3', { bucket: 'faults', endpoint: swift.s3Endpoint, accessKeyId: swift.s3AccessKey, secretAccessKey: 'wrong' });
    await expectStoreError(store.head('x'), 'AUTH');
    await expectStoreError(store.read('x'), 'AUTH');
    store.close();
  });
});

describe('S3 multipart on Swift s3api', () => {
  it('aborts a multipart upload cancelled after some parts went up: no object, no pending upload, no segments', async () => {
    await swift.createContainer('multipart');
    const store = new S3Store('s3', { bucket: 'multipart', endpoint: swift.s3Endpoint, accessKeyId: swift.s3AccessKey, secretAccessKey: swift.s3Secret, partSize: 5 * 1024 * 1024, queueSize: 1 });
    const writer = await store.write('big.bin');
    for (let i = 0; i < 12; i++) if (!writer.write(randomBytes(1024 * 1024))) await new Promise((r) => writer.once('drain', r));
    await new Promise((r) => setTimeout(r, 300));
    await writer.cancel();
    await expectStoreError(store.head('big.bin'), 'NOT_FOUND');
    const raw = new S3Client({ region: 'us-east-1', endpoint: swift.s3Endpoint, forcePathStyle: true, credentials: { accessKeyId: swift.s3AccessKey, secretAccessKey: swift.s3Secret } });
    expect((await raw.send(new ListMultipartUploadsCommand({ Bucket: 'multipart' }))).Uploads ?? []).toEqual([]);
    const segments = await fetch(`${swift.storageUrl}/multipart+segments?format=json`, { headers: { 'X-Auth-Token': token } });
    expect(segments.status === 404 ? [] : await segments.json()).toEqual([]);
    raw.destroy();
    await store.close();
  });
});

describe('S3 multipart on Swift s3api, through a proxy that fails chosen requests', () => {
  let proxy: FaultProxy;
  let raw: S3Client;
  const data = randomBytes(12 * 1024 * 1024); // parts of 5, 5 and 2 MiB
  beforeAll(async () => {
    proxy = await startFaultProxy(swift.s3Endpoint);
    raw = new S3Client({ region: 'us-east-1', endpoint: swift.s3Endpoint, forcePathStyle: true, credentials: { accessKeyId: swift.s3AccessKey, secretAccessKey: swift.s3Secret } });
  });
  afterAll(async () => {
    proxy.rule = undefined;
    raw.destroy();
    await proxy.stop();
  });
  const upload = async (bucket: string) => {
    await swift.createContainer(bucket);
    const store = new S3Store('s3', { bucket, endpoint: proxy.url, accessKeyId: swift.s3AccessKey, secretAccessKey: swift.s3Secret, partSize: 5 * 1024 * 1024, queueSize: 2 });
    const writer = await store.write('big.bin');
    for (let at = 0; at < data.length && !writer.destroyed; at += 1024 * 1024) {
      // a writer that failed meanwhile never drains: stop writing, commit() gives its error
      if (!writer.write(data.subarray(at, at + 1024 * 1024))) await new Promise((r) => (writer.once('drain', r), writer.once('close', r)));
    }
    if (!writer.destroyed) writer.end();
    return { store, commit: writer.commit() };
  };
  const nothingLeft = async (store: S3Store, bucket: string) => {
    await expectStoreError(store.head('big.bin'), 'NOT_FOUND');
    // container listings are updated asynchronously: give a loaded Swift a few seconds
    let uploads: unknown[] = [];
    let segments: unknown[] = [];
    for (let i = 0; i < 50; i++) {
      uploads = (await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
      const res = await fetch(`${swift.storageUrl}/${bucket}+segments?format=json`, { headers: { 'X-Auth-Token': token } });
      segments = res.status === 404 ? [] : ((await res.json()) as unknown[]);
      if (uploads.length === 0 && segments.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(uploads).toEqual([]);
    expect(segments).toEqual([]);
  };
  const partPuts = (n: number) => proxy.requests.filter((r) => r.startsWith('PUT ') && new RegExp(`[?&]partNumber=${n}(&|$)`).test(r)).length;

  it('sends a part that failed (500) again by itself, and completes', async () => {
    proxy.requests.length = 0;
    let failed = 0;
    proxy.rule = (req) => (req.method === 'PUT' && /[?&]partNumber=2(&|$)/.test(req.url ?? '') && failed++ === 0 ? s3Error(500, 'InternalError') : undefined);
    const { store, commit } = await upload('mp-retry');
    await commit;
    expect(partPuts(2)).toBe(2);
    expect(partPuts(1)).toBe(1);
    expect((await readAll(await store.read('big.bin'))).equals(data)).toBe(true);
    await store.close();
  });

  it('a part that keeps failing fails the write, and the upload is aborted: no object, no pending upload, no segments', async () => {
    proxy.rule = (req) => (req.method === 'PUT' && /[?&]partNumber=2(&|$)/.test(req.url ?? '') ? s3Error(503, 'ServiceUnavailable') : undefined);
    const { store, commit } = await upload('mp-fail');
    await expectStoreError(commit, 'TRANSIENT');
    proxy.rule = undefined;
    await nothingLeft(store, 'mp-fail');
    await store.close();
  });

  it('a failed CompleteMultipartUpload aborts the upload too', async () => {
    proxy.rule = (req) => (req.method === 'POST' && /[?&]uploadId=/.test(req.url ?? '') ? s3Error(400, 'InvalidPart') : undefined);
    const { store, commit } = await upload('mp-complete');
    await expectStoreError(commit, 'PROTOCOL');
    proxy.rule = undefined;
    await nothingLeft(store, 'mp-complete');
    await store.close();
  });
});

describe('a store server dying mid-read', () => {
  let proxy: CutProxy;
  const big = randomBytes(2 * 1024 * 1024);
  beforeAll(async () => {
    const target = new URL(swift.storageUrl);
    proxy = await startCutProxy({ host: target.hostname, port: Number(target.port) });
    await swiftPut('faults/big.bin', big);
  });
  afterAll(async () => {
    await proxy.stop();
  });

  const stores = () => [
    new SwiftStore('swift', { auth: tempauth(), container: 'faults', storageUrl: `${proxy.url}${new URL(swift.storageUrl).pathname}` }),
    new S3Store('s3', { bucket: 'faults', endpoint: proxy.url, accessKeyId: swift.s3AccessKey, secretAccessKey: swift.s3Secret }),
  ];

  it.each([0, 1])('errors the stream instead of ending short (store %i: swift, s3)', async (i) => {
    const store = stores()[i]!;
    expect((await store.head('big.bin')).size).toBe(big.length);
    for (const opts of [{}, { offset: 1000, length: 1_500_000 }]) {
      proxy.cutAfter(300_000);
      try {
        const stream = await store.read('big.bin', opts);
        const err = await readAll(stream).then(() => undefined, (e: unknown) => e);
        expect(isStoreError(err, 'TRANSIENT') || isStoreError(err, 'INTEGRITY'), String(err)).toBe(true);
        expect(stream.bytesRead).toBeLessThan(1_500_000);
      } finally {
        proxy.cutAfter(undefined);
      }
    }
    expectBytes(await readAll(await store.read('big.bin')), big);
    await store.close();
  });
});
