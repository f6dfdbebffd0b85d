import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chunkKey, writeChunked } from '../../src/stores/chunked-writer.js';
import { TransientStoreError } from '../../src/stores/errors.js';
import { expectStoreError } from './conformance.js';
import { FakeStore } from './fake-store.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('writeChunked', () => {
  it('refuses a chunk size of 0, negative or fractional, and a bad total size, before writing', async () => {
    const store = new FakeStore();
    for (const chunkSize of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expectStoreError(writeChunked(store, 'img', Readable.from([Buffer.from('x')]), { chunkSize }), 'INVALID_ARGUMENT');
    }
    await expectStoreError(writeChunked(store, 'img', Readable.from([]), { chunkSize: 10, size: -1 }), 'INVALID_ARGUMENT');
    await expectStoreError(writeChunked(store, 'img', Readable.from([]), { chunkSize: 1, size: 2_000_000 }), 'INVALID_ARGUMENT');
    expect(store.calls).toEqual([]);
  });

  it('turns an empty source into one empty chunk', async () => {
    const store = new FakeStore();
    const chunks = await writeChunked(store, 'img/empty', Readable.from([]), { chunkSize: 10 });
    expect(chunks).toEqual([{ url: 'fake://img/empty.000000', offset: 0, size: 0, etag: 'etag-0', sha256: sha256(Buffer.alloc(0)) }]);
    expect(store.objects.get('img/empty.000000')).toEqual(Buffer.alloc(0));
  });

  it('splits on exact boundaries (no trailing empty chunk) and across source buffers, with the declared size', async () => {
    const data = randomBytes(30);
    for (const size of [undefined, 30]) {
      const store = new FakeStore();
      const progress: number[] = [];
      const parts = [data.subarray(0, 7), data.subarray(7, 25), data.subarray(25)];
      const chunks = await writeChunked(store, 'p', Readable.from(parts), { chunkSize: 10, size, onProgress: (n) => progress.push(n) });
      expect(chunks.map((c) => [c.url, c.offset, c.size])).toEqual([
        ['fake://p.000000', 0, 10],
        ['fake://p.000001', 10, 10],
        ['fake://p.000002', 20, 10],
      ]);
      chunks.forEach((c, i) => {
        expect(c.sha256).toBe(sha256(data.subarray(i * 10, i * 10 + 10)));
        expect(store.objects.get(chunkKey('p', i))).toEqual(data.subarray(i * 10, i * 10 + 10));
      });
      expect(progress.at(-1)).toBe(30);
    }
  });

  it('deletes every chunk already written when the store fails, and rethrows', async () => {
    const store = new FakeStore();
    store.writeFault = (key) => (key === 'f.000002' ? new TransientStoreError('store died') : undefined);
    await expect(writeChunked(store, 'f', Readable.from([randomBytes(45)]), { chunkSize: 10 })).rejects.toThrow('store died');
    expect([...store.objects.keys()]).toEqual([]);
    expect(store.calls.filter((c) => c === 'delete').length).toBeGreaterThanOrEqual(2);
  });

  it('fails when a declared size is not met, cleaning up', async () => {
    const store = new FakeStore();
    await expectStoreError(writeChunked(store, 's', Readable.from([randomBytes(25)]), { chunkSize: 10, size: 30 }), 'INTEGRITY');
    expect([...store.objects.keys()]).toEqual([]);
  });

  it('stops and cleans up when aborted', async () => {
    const store = new FakeStore();
    const ac = new AbortController();
    const source = new Readable({ read() {} });
    source.push(randomBytes(25));
    const done = writeChunked(store, 'a', source, { chunkSize: 10, signal: ac.signal });
    setTimeout(() => {
      ac.abort();
      source.push(randomBytes(5));
    }, 10);
    await expectStoreError(done, 'ABORTED');
    expect([...store.objects.keys()]).toEqual([]);
  });
});
