/**
 * The conformance suite every store adapter runs (after distribution's testsuites.Driver).
 * An adapter's test file calls describeConformance with a function that builds its target.
 * Read-only stores get their content through the backing server (`seed`), and their write
 * cases check that writing is refused: every case runs for every store.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeChunked } from '../../src/stores/chunked-writer.js';
import { isStoreError, type StoreErrorCode } from '../../src/stores/errors.js';
import type { ObjectReadStream, ObjectStore } from '../../src/stores/object-store.js';

/** What the suite needs from an adapter's test file. */
export interface ConformanceTarget {
  store: ObjectStore;
  /** Puts bytes straight into the backing server (required for read-only stores). */
  seed?: (key: string, data: Buffer | Readable) => Promise<void>;
  /** Removes what `seed` put. */
  unseed?: (key: string) => Promise<void>;
  /** Everything the backend holds, temp files and pending uploads included: must not grow across a case. */
  leftovers: () => Promise<string[]>;
  /** The etag the store must report for `data`, when it is derived from the content (MD5). */
  etagOf?: (data: Buffer) => string;
  teardown: () => Promise<void>;
}

/** Tuning for slow or small backends. */
export interface ConformanceOptions {
  /** Size of the streamed object (default 300 MiB). */
  bigObjectBytes?: number;
  /** Most RSS growth allowed while it streams (default 100 MB). */
  maxRssGrowth?: number;
}

/** Reads a whole stream into one Buffer. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Compares bytes by length and hash: toEqual walks a large Buffer element by element. */
export function expectBytes(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.equals(expected), 'same bytes').toBe(true);
}

/** Expects `promise` to reject with a StoreError of `code`. */
export async function expectStoreError(promise: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err, `expected a ${code} StoreError`).toBeDefined();
  if (!isStoreError(err, code)) throw new Error(`expected StoreError ${code}, got ${String(err)}`, { cause: err });
}

/** A deterministic stream of `total` bytes made of 1 MiB blocks (each block stamped with its index), and its sha256. */
export function patternStream(total: number, block = randomBytes(1 << 20)): { stream: Readable; sha256: Promise<string> } {
  const hash = createHash('sha256');
  let sent = 0;
  let index = 0;
  let resolveHash: (h: string) => void = () => undefined;
  const sha256 = new Promise<string>((r) => (resolveHash = r));
  const stream = new Readable({
    highWaterMark: 1 << 20,
    read() {
      if (sent >= total) {
        resolveHash(hash.digest('hex'));
        this.push(null);
        return;
      }
      const n = Math.min(block.length, total - sent);
      const buf = Buffer.from(block.subarray(0, n));
      buf.writeUInt32BE(index++ >>> 0, 0);
      hash.update(buf);
      sent += n;
      this.push(buf);
    },
  });
  return { stream, sha256 };
}

/** Samples RSS every 20 ms; `peakGrowth()` gives the highest rise over the starting value. */
function rssSampler(): { peakGrowth: () => number; stop: () => void } {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  return { peakGrowth: () => Math.max(peak, process.memoryUsage.rss()) - start, stop: () => clearInterval(timer) };
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Registers the suite for one adapter. */
export function describeConformance(name: string, setup: () => Promise<ConformanceTarget>, options: ConformanceOptions = {}): void {
  describe(`${name}: ObjectStore conformance`, () => {
    let t: ConformanceTarget;
    let store: ObjectStore;
    let baseline: string[];
    let caseNo = 0;
    let prefix = '';

    /** Stores `data` under `key` through the store itself, or through the backend for a read-only store. */
    const touched = new Set<string>();
    const put = async (key: string, data: Buffer): Promise<void> => {
      touched.add(key);
      if (store.readOnly) return t.seed!(key, data);
      const writer = await store.write(key, { size: data.length });
      writer.end(data);
      const result = await writer.commit();
      expect(result.size).toBe(data.length);
    };
    const remove = async (key: string): Promise<void> => (store.readOnly ? t.unseed!(key) : store.delete(key));
    const read = async (key: string, opts?: { offset?: number; length?: number }): Promise<Buffer> => readAll(await store.read(key, opts));

    beforeAll(async () => {
      t = await setup();
      store = t.store;
      if (store.readOnly && (!t.seed || !t.unseed)) throw new Error('a read-only store needs seed and unseed');
      baseline = (await t.leftovers()).sort();
    });
    afterAll(async () => {
      await t?.teardown();
    });
    beforeEach(() => {
      prefix = `conf-${++caseNo}-${randomBytes(3).toString('hex')}`;
    });
    afterEach(async (ctx) => {
      if (ctx.task.result?.state === 'fail') {
        // Clean up after a failed case so the next ones report their own faults, not this one's.
        for (const key of touched) await remove(key).catch(() => undefined);
        touched.clear();
        return;
      }
      touched.clear();
      expect((await t.leftovers()).sort(), 'nothing may be left behind').toEqual(baseline);
    });

    it('round-trips bytes, including keys with spaces, unicode and %', async () => {
      const data = randomBytes(1024 * 1024 + 17);
      const keys = [`${prefix}/plain.bin`, `${prefix}/sub dir/ünï cødé+%25&?#(1)!'*~.bin`];
      for (const key of keys) {
        await put(key, data);
        expect(sha256(await read(key))).toBe(sha256(data));
        const url = store.locationUrl(key);
        expect(store.keyOf(url)).toBe(key);
        await remove(key);
      }
    });

    it('heads size, etag and last-modified, and reports the etag the write returned', async () => {
      const key = `${prefix}/head.bin`;
      const data = randomBytes(4096);
      let committedEtag: string | undefined;
      if (store.readOnly) {
        await t.seed!(key, data);
      } else {
        const writer = await store.write(key);
        writer.end(data);
        committedEtag = (await writer.commit()).etag;
      }
      const info = await store.head(key);
      expect(info.key).toBe(key);
      expect(info.size).toBe(data.length);
      expect(info.etag).not.toBe('');
      expect(info.etag).not.toMatch(/^"/);
      if (committedEtag !== undefined) expect(info.etag).toBe(committedEtag);
      if (t.etagOf) expect(info.etag).toBe(t.etagOf(data));
      expect(info.lastModified).toBeInstanceOf(Date);
      expect(Math.abs(info.lastModified!.getTime() - Date.now())).toBeLessThan(10 * 60_000);
      await remove(key);
    });

    it('reads by offset and length, the last byte, and past the end', async () => {
      const key = `${prefix}/ranges.bin`;
      const data = randomBytes(300_000);
      await put(key, data);
      const n = data.length;
      expectBytes(await read(key, { offset: 1000 }), data.subarray(1000));
      expectBytes(await read(key, { offset: 0, length: 10 }), data.subarray(0, 10));
      expectBytes(await read(key, { offset: 12345, length: 54321 }), data.subarray(12345, 12345 + 54321));
      expectBytes(await read(key, { offset: n - 1 }), data.subarray(n - 1));
      expectBytes(await read(key, { offset: n - 1, length: 1 }), data.subarray(n - 1));
      expectBytes(await read(key, { offset: n - 10, length: 100 }), data.subarray(n - 10));
      expectBytes(await read(key, { offset: n }), Buffer.alloc(0));
      expectBytes(await read(key, { offset: 5, length: 0 }), Buffer.alloc(0));
      await expectStoreError(store.read(key, { offset: n + 1 }), 'INVALID_RANGE');
      await expectStoreError(store.read(key, { offset: -1 }), 'INVALID_RANGE');
      await expectStoreError(store.read(key, { offset: 1.5 }), 'INVALID_RANGE');
      await expectStoreError(store.read(key, { length: -2 }), 'INVALID_RANGE');
      const stream = await store.read(key, { offset: 100, length: 50 });
      const got = await readAll(stream);
      expect(got.length).toBe(50);
      expect(stream.bytesRead).toBe(50);
      await remove(key);
    });

    it('aborts a read through its signal, before or during the transfer', async () => {
      const key = `${prefix}/abort.bin`;
      await put(key, randomBytes(4 * 1024 * 1024));
      const early = new AbortController();
      early.abort();
      const first = await store.read(key, { signal: early.signal }).then(readAll, (e: unknown) => e);
      expect(isStoreError(first, 'ABORTED'), String(first)).toBe(true);
      const late = new AbortController();
      const stream = await store.read(key, { signal: late.signal, offset: 10 });
      const err = await (async () => {
        for await (const _ of stream) late.abort();
      })().then(() => undefined, (e: unknown) => e);
      expect(isStoreError(err, 'ABORTED'), String(err)).toBe(true);
      expect(stream.bytesRead).toBeLessThan(4 * 1024 * 1024 - 10);
      await remove(key);
    });

    it('reports a missing key as ObjectNotFoundError, and deleting it is a no-op', async () => {
      const key = `${prefix}/missing.bin`;
      await expectStoreError(store.head(key), 'NOT_FOUND');
      await expectStoreError(store.read(key), 'NOT_FOUND');
      await expectStoreError(store.read(key, { offset: 10, length: 10 }), 'NOT_FOUND');
      if (store.readOnly) await expectStoreError(store.delete(key), 'READ_ONLY');
      else await store.delete(key);
    });

    it('refuses keys that could escape or alias, in every call', async () => {
      const bad = ['', '../escape', 'a/../../escape', '/absolute', 'a//b', 'a/./b', 'nul\0byte', 'trailing/', 'x'.repeat(1025)];
      for (const key of bad) {
        await expectStoreError(store.head(key), 'INVALID_KEY');
        await expectStoreError(store.read(key), 'INVALID_KEY');
        if (!store.readOnly) {
          await expectStoreError(store.write(key), 'INVALID_KEY');
          await expectStoreError(store.delete(key), 'INVALID_KEY');
        }
      }
    });

    it('overwrites an object with new content', async () => {
      const key = `${prefix}/over.bin`;
      await put(key, Buffer.from('first version, longer than the second'));
      await put(key, Buffer.from('second'));
      expect((await read(key)).toString()).toBe('second');
      expect((await store.head(key)).size).toBe(6);
      await remove(key);
    });

    it('stores and reads an empty object', async () => {
      const key = `${prefix}/empty.bin`;
      await put(key, Buffer.alloc(0));
      const info = await store.head(key);
      expect(info.size).toBe(0);
      if (t.etagOf) expect(info.etag).toBe(t.etagOf(Buffer.alloc(0)));
      expectBytes(await read(key), Buffer.alloc(0));
      expectBytes(await read(key, { offset: 0, length: 5 }), Buffer.alloc(0));
      await expectStoreError(store.read(key, { offset: 1 }), 'INVALID_RANGE');
      await remove(key);
    });

    it('cancel leaves nothing behind and keeps an overwritten object as it was', async () => {
      const key = `${prefix}/cancelled.bin`;
      const kept = `${prefix}/kept.bin`;
      await put(kept, Buffer.from('original'));
      if (store.readOnly) {
        await expectStoreError(store.write(key), 'READ_ONLY');
        await expectStoreError(store.delete(kept), 'READ_ONLY');
        expect((await read(kept)).toString()).toBe('original');
        await remove(kept);
        return;
      }
      for (const [target, size] of [[key, undefined], [kept, undefined], [key, 200_000], [kept, 100]] as const) {
        const writer = await store.write(target, { size });
        writer.write(randomBytes(size ?? 100_000));
        await new Promise((r) => setTimeout(r, 50));
        await writer.cancel();
        await writer.cancel();
        await expectStoreError(writer.commit(), 'ABORTED');
      }
      const aborter = new AbortController();
      const aborted = await store.write(key, { signal: aborter.signal });
      aborted.write(randomBytes(1000));
      aborter.abort();
      await expectStoreError(aborted.commit(), 'ABORTED');
      await expectStoreError(store.head(key), 'NOT_FOUND');
      expect((await read(kept)).toString()).toBe('original');
      const listed = [];
      for await (const entry of store.list(`${prefix}/`)) listed.push(entry.key);
      expect(listed).toEqual([kept]);
      await remove(kept);
    });

    it('fails a write whose declared size is not met, leaving nothing', async () => {
      if (store.readOnly) {
        await expectStoreError(store.write(`${prefix}/x`, { size: 10 }), 'READ_ONLY');
        return;
      }
      const short = await store.write(`${prefix}/short.bin`, { size: 10 });
      short.end(Buffer.from('12345'));
      await expectStoreError(short.commit(), 'INTEGRITY');
      const long = await store.write(`${prefix}/long.bin`, { size: 4 });
      long.end(Buffer.from('123456'));
      await expectStoreError(long.commit(), 'INTEGRITY');
      await expectStoreError(store.head(`${prefix}/short.bin`), 'NOT_FOUND');
      await expectStoreError(store.head(`${prefix}/long.bin`), 'NOT_FOUND');
    });

    it('lists by prefix in key order, with sizes and etags', async () => {
      const keys = [`${prefix}/b/2`, `${prefix}/a/1`, `${prefix}/a/2`, `${prefix}/ab`, `${prefix}x/other`];
      if (store.readOnly) {
        await expect((async () => {
          for await (const _ of store.list(`${prefix}/`)) { /* nothing */ }
        })()).rejects.toSatisfy((e) => isStoreError(e, 'UNSUPPORTED'));
        return;
      }
      for (const [i, key] of keys.entries()) await put(key, Buffer.alloc(i + 1, i));
      const list = async (p: string) => {
        const out = [];
        for await (const entry of store.list(p)) out.push(entry);
        return out;
      };
      const all = await list(`${prefix}/`);
      expect(all.map((e) => e.key)).toEqual([`${prefix}/a/1`, `${prefix}/a/2`, `${prefix}/ab`, `${prefix}/b/2`]);
      expect(all.map((e) => e.size)).toEqual([2, 3, 4, 1]);
      for (const e of all) expect(e.etag).toBe((await store.head(e.key)).etag);
      expect((await list(`${prefix}/a`)).map((e) => e.key)).toEqual([`${prefix}/a/1`, `${prefix}/a/2`, `${prefix}/ab`]);
      expect((await list(`${prefix}/a/`)).map((e) => e.key)).toEqual([`${prefix}/a/1`, `${prefix}/a/2`]);
      expect(await list(`${prefix}/zzz`)).toEqual([]);
      for (const key of keys) await remove(key);
      expect(await list(`${prefix}/`)).toEqual([]);
    });

    it('runs concurrent writers to different keys', async () => {
      const n = 6;
      const blobs = Array.from({ length: n }, () => randomBytes(600_000));
      const keys = blobs.map((_, i) => `${prefix}/concurrent-${i}`);
      if (store.readOnly) {
        await Promise.all(keys.map((k, i) => t.seed!(k, blobs[i]!)));
      } else {
        const writers = await Promise.all(keys.map((k) => store.write(k)));
        for (let off = 0; off < 600_000; off += 100_000) writers.forEach((w, i) => w.write(blobs[i]!.subarray(off, off + 100_000)));
        const results = await Promise.all(writers.map((w) => w.commit()));
        results.forEach((r, i) => {
          expect(r.size).toBe(600_000);
          if (t.etagOf) expect(r.etag).toBe(t.etagOf(blobs[i]!));
        });
      }
      const back = await Promise.all(keys.map((k) => read(k)));
      back.forEach((b, i) => expect(md5(b)).toBe(md5(blobs[i]!)));
      // One by one: s3rver fails concurrent deletes in one folder (a race in its empty-folder cleanup).
      for (const key of keys) await remove(key);
    });

    it('writes chunked objects with sha256 and store etags, and cleans up on failure', async () => {
      const data = randomBytes(150_000);
      if (store.readOnly) {
        await expectStoreError(writeChunked(store, `${prefix}/img`, Readable.from([data]), { chunkSize: 65_536 }), 'READ_ONLY');
        return;
      }
      const chunks = await writeChunked(store, `${prefix}/img`, Readable.from([data.subarray(0, 70_000), data.subarray(70_000)]), { chunkSize: 65_536 });
      expect(chunks.map((c) => [c.offset, c.size])).toEqual([[0, 65_536], [65_536, 65_536], [131_072, 150_000 - 131_072]]);
      for (const [i, c] of chunks.entries()) {
        const key = store.keyOf(c.url)!;
        expect(key).toBe(`${prefix}/img.${String(i).padStart(6, '0')}`);
        const bytes = await read(key);
        expect(c.sha256).toBe(sha256(data.subarray(c.offset, c.offset + c.size)));
        expect(sha256(bytes)).toBe(c.sha256);
        expect((await store.head(key)).etag).toBe(c.etag);
        await store.delete(key);
      }
      const failing = new Readable({ read() {} });
      failing.push(randomBytes(100_000));
      setTimeout(() => failing.destroy(new Error('source broke')), 100);
      await expect(writeChunked(store, `${prefix}/broken`, failing, { chunkSize: 30_000 })).rejects.toThrow('source broke');
    });

    it('streams a large object with flat memory', async () => {
      const total = options.bigObjectBytes ?? 300 * 1024 * 1024;
      const key = `${prefix}/big.bin`;
      const source = patternStream(total);
      const rss = rssSampler();
      try {
        if (store.readOnly) {
          await t.seed!(key, source.stream);
        } else {
          const writer = await store.write(key);
          await pipeline(source.stream, writer);
          const result = await writer.commit();
          expect(result.size).toBe(total);
        }
        const stream: ObjectReadStream = await store.read(key);
        const hash = createHash('sha256');
        for await (const part of stream) hash.update(part as Buffer);
        expect(stream.bytesRead).toBe(total);
        expect(hash.digest('hex')).toBe(await source.sha256);
        if (process.env.SHOW_RSS) console.log(`RSS-GROWTH ${name} ${(rss.peakGrowth() / 1e6).toFixed(0)} MB`);
        expect(rss.peakGrowth(), 'RSS growth while streaming').toBeLessThan(options.maxRssGrowth ?? 100 * 1000 * 1000);
      } finally {
        rss.stop();
        await remove(key);
      }
    });
  });
}
