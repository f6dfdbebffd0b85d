import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStoreError } from '../../src/stores/errors.js';
import { HttpStore } from '../../src/stores/http/http-store.js';
import { freePort } from '../helpers/free-port.js';
import { startHttpFileServer, type HttpFileServer } from '../helpers/http-file-server.js';
import { expectBytes, expectStoreError, readAll } from './conformance.js';

let server: HttpFileServer;
const data = randomBytes(1024 * 1024);

beforeAll(async () => {
  server = await startHttpFileServer();
  await writeFile(join(server.root, 'a.bin'), data);
});
afterAll(async () => {
  await server.stop();
});

/** Starts a server that redirects every request to `target` + path. */
async function redirector(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const s: Server = createServer((req, res) => res.writeHead(302, { location: `${target}${req.url?.slice(1)}` }).end());
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => s.close(() => r())) };
}

describe('http store faults', () => {
  it('follows redirects up to the limit', async () => {
    const store = new HttpStore('web', { baseUrl: `${server.url}r/3/` });
    expectBytes(await readAll(await store.read('a.bin', { offset: 10, length: 100 })), data.subarray(10, 110));
    expect((await store.head('a.bin')).size).toBe(data.length);
    const strict = new HttpStore('web', { baseUrl: `${server.url}r/3/`, maxRedirects: 2 });
    await expectStoreError(strict.head('a.bin'), 'PROTOCOL');
    await Promise.all([store.close(), strict.close()]);
  });

  it('sends configured credentials, maps 401 to StoreAuthError, and drops credentials on a redirect to another origin', async () => {
    server.options.authorization = 'Bearer right';
    try {
      const anonymous = new HttpStore('web', { baseUrl: server.url });
      const wrong = new HttpStore('web', { baseUrl: server.url, headers: { authorization: 'Bearer wrong' } });
      const right = new HttpStore('web', { baseUrl: server.url, headers: { authorization: 'Bearer right' } });
      await expectStoreError(anonymous.head('a.bin'), 'AUTH');
      await expectStoreError(wrong.read('a.bin'), 'AUTH');
      expect((await right.head('a.bin')).size).toBe(data.length);
      const hop = await redirector(server.url.replace('127.0.0.1', 'localhost'));
      const redirected = new HttpStore('web', { baseUrl: hop.url, headers: { authorization: 'Bearer right' } });
      await expectStoreError(redirected.head('a.bin'), 'AUTH');
      await Promise.all([anonymous.close(), wrong.close(), right.close(), redirected.close(), hop.close()]);
    } finally {
      server.options.authorization = undefined;
    }
  });

  it('errors the stream when the server dies mid-read, never ending short', async () => {
    const store = new HttpStore('web', { baseUrl: server.url });
    for (const opts of [{}, { offset: 1000, length: 500_000 }]) {
      server.options.cutAfterBytes = 100_000;
      try {
        const stream = await store.read('a.bin', opts);
        const err = await readAll(stream).then(() => undefined, (e: unknown) => e);
        expect(isStoreError(err, 'TRANSIENT') || isStoreError(err, 'INTEGRITY'), String(err)).toBe(true);
        expect(stream.bytesRead).toBeLessThan(500_000);
      } finally {
        server.options.cutAfterBytes = undefined;
      }
    }
    await store.close();
  });

  it('reports a server that is not there as transient, without hanging', async () => {
    const store = new HttpStore('web', { baseUrl: `http://127.0.0.1:${await freePort()}/`, timeoutMs: 2000 });
    await expectStoreError(store.head('a.bin'), 'TRANSIENT');
    await store.close();
  });

  it('without baseUrl, takes absolute URLs as keys but never ones with credentials', async () => {
    const store = new HttpStore('web', {});
    const url = `${server.url}a.bin`;
    expect((await store.head(url)).size).toBe(data.length);
    expect(store.keyOf(url)).toBe(url);
    expect(store.locationUrl(url)).toBe(url);
    await expectStoreError(store.head(url.replace('http://', 'http://u:p@')), 'INVALID_KEY');
    await expectStoreError(store.head('ftp://example.org/x'), 'INVALID_KEY');
    await expectStoreError(store.head('relative/key'), 'INVALID_KEY');
    await store.close();
  });
});
