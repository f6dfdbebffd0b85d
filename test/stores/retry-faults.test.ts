import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores, type ObjectStore, type StoreErrorCode } from '../../src/stores/index.js';
import { s3Error, startFaultProxy, type Fault, type FaultProxy } from '../helpers/fault-proxy.js';
import { startHttpFileServer, type HttpFileServer } from '../helpers/http-file-server.js';
import { startS3rver, type S3rverServer } from '../helpers/s3rver.js';
import { expectStoreError, readAll } from './conformance.js';

// Real servers behind a proxy that fails chosen requests: the retry wrapper (as openStores
// builds it) must try again on 5xx and resets, and never on 4xx (but for 408 and 429, which
// ask the client to try again later).
const retry = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const data = randomBytes(100_000);

interface Case {
  name: string;
  faults: Fault[];
  /** Requests the proxy sees in all, or the error code when the call must fail. */
  expect: { requests: number } | { code: StoreErrorCode; requests: number };
}

function runCases(label: string, setup: () => { store: ObjectStore; proxy: FaultProxy }, cases: Case[]): void {
  describe(label, () => {
    it.each(cases)('$name', async ({ faults, expect: want }) => {
      const { store, proxy } = setup();
      proxy.requests.length = 0;
      proxy.queue.length = 0;
      proxy.queue.push(...faults);
      if ('code' in want) {
        await expectStoreError(store.head('obj.bin'), want.code);
      } else {
        expect((await store.head('obj.bin')).size).toBe(data.length);
        expect((await readAll(await store.read('obj.bin'))).equals(data)).toBe(true);
      }
      // the read after a success is one more request; a failure makes none after it
      expect(proxy.requests.length).toBe(want.requests + ('code' in want ? 0 : 1));
      expect(proxy.queue).toEqual([]);
    });
  });
}

describe('retry on real responses', () => {
  let web: HttpFileServer;
  let s3rver: S3rverServer;
  let webProxy: FaultProxy;
  let s3Proxy: FaultProxy;
  let webStore: ObjectStore;
  let s3Store: ObjectStore;

  beforeAll(async () => {
    web = await startHttpFileServer();
    writeFileSync(join(web.root, 'obj.bin'), data);
    s3rver = await startS3rver(['retry']);
    webProxy = await startFaultProxy(web.url);
    s3Proxy = await startFaultProxy(s3rver.endpoint);
    const stores = openStores([
      { id: 'web', type: 'http', options: { baseUrl: `${webProxy.url}/` }, retry },
      { id: 's3', type: 's3', options: { bucket: 'retry', endpoint: s3Proxy.url, region: s3rver.region, accessKeyId: s3rver.accessKeyId, secretAccessKey: s3rver.secretAccessKey }, retry },
    ]);
    webStore = stores.get('web');
    s3Store = stores.get('s3');
    const writer = await s3Store.write('obj.bin', { size: data.length });
    writer.end(data);
    await writer.commit();
  }, 60_000);
  afterAll(async () => {
    await webProxy?.stop();
    await s3Proxy?.stop();
    await web?.stop();
    await s3rver?.stop();
  });

  runCases('http adapter', () => ({ store: webStore, proxy: webProxy }), [
    { name: '503 then 502: retried, then served', faults: [{ status: 503 }, { status: 502 }], expect: { requests: 3 } },
    { name: 'a reset connection: retried', faults: ['reset'], expect: { requests: 2 } },
    { name: '429 (try later): retried', faults: [{ status: 429 }], expect: { requests: 2 } },
    { name: 'four 503s: gives up after the configured attempts', faults: [{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }], expect: { code: 'TRANSIENT', requests: 4 } },
    { name: '400: not retried', faults: [{ status: 400 }], expect: { code: 'PROTOCOL', requests: 1 } },
    { name: '403: not retried', faults: [{ status: 403 }], expect: { code: 'AUTH', requests: 1 } },
    { name: '404: not retried', faults: [{ status: 404 }], expect: { code: 'NOT_FOUND', requests: 1 } },
  ]);

  runCases('s3 adapter (s3rver)', () => ({ store: s3Store, proxy: s3Proxy }), [
    { name: '503 SlowDown then 500 InternalError: retried, then served', faults: [s3Error(503, 'SlowDown'), s3Error(500, 'InternalError')], expect: { requests: 3 } },
    { name: 'a reset connection: retried', faults: ['reset'], expect: { requests: 2 } },
    { name: '400: not retried', faults: [s3Error(400, 'InvalidArgument')], expect: { code: 'PROTOCOL', requests: 1 } },
    { name: '403 AccessDenied: not retried', faults: [s3Error(403, 'AccessDenied')], expect: { code: 'AUTH', requests: 1 } },
  ]);
});
