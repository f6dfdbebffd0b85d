import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashWorker } from '../../src/core/hashing/hash-worker.js';

describe('HashWorker', () => {
  it('computes SHA-256, MD5 and SHA-1 piece hashes across uneven writes, and reports pieces as they complete', async () => {
    const data = randomBytes(100_000 + 123);
    const pieceLength = 16384;
    const seen: number[] = [];
    const worker = new HashWorker({ sha256: true, md5: true, pieceLength }, (index, sha1) => {
      expect(sha1).toEqual(createHash('sha1').update(data.subarray(index * pieceLength, (index + 1) * pieceLength)).digest());
      seen.push(index);
    }, 20_000);
    for (let off = 0; off < data.length; ) {
      const len = 1 + Math.floor(Math.random() * 9000);
      await worker.update(data.subarray(off, off + len));
      off += len;
    }
    const digests = await worker.digest();
    expect(digests.bytes).toBe(data.length);
    expect(digests.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(digests.md5).toBe(createHash('md5').update(data).digest('hex'));
    const expected = [];
    for (let off = 0; off < data.length; off += pieceLength) expected.push(createHash('sha1').update(data.subarray(off, off + pieceLength)).digest());
    expect(digests.pieces).toEqual(Buffer.concat(expected));
    expect(seen).toEqual(expected.map((_, i) => i));
  });

  it('hashes chunks of a given length (the last one short, an empty stream one empty chunk)', async () => {
    const data = randomBytes(25_000);
    const digests = await (async () => {
      const w = new HashWorker({ chunkLength: 10_000 });
      await w.update(data);
      return w.digest();
    })();
    expect(digests.chunks).toEqual([0, 10_000, 20_000].map((o) => createHash('sha256').update(data.subarray(o, o + 10_000)).digest('hex')));
    expect((await new HashWorker({ chunkLength: 10 }).digest()).chunks).toEqual([createHash('sha256').digest('hex')]);
  });

  it('hashes an empty stream', async () => {
    const digests = await new HashWorker({ sha256: true, pieceLength: 16384 }).digest();
    expect(digests).toMatchObject({ bytes: 0, sha256: createHash('sha256').digest('hex') });
    expect(digests.pieces!.length).toBe(0);
  });

  it('keeps every byte in order when writers outrun the worker (a full ring), and refuses updates after digest', async () => {
    const data = randomBytes(3_000_000);
    const worker = new HashWorker({ sha256: true, chunkLength: 1_000_000 }, undefined, 64 * 1024);
    const waits: Array<Promise<void> | undefined> = [];
    // Not awaiting on purpose: the rest of each chunk waits in the overflow, in order.
    for (let off = 0; off < data.length; off += 250_000) waits.push(worker.update(data.subarray(off, off + 250_000)));
    expect(waits.some((w) => w !== undefined)).toBe(true);
    const digests = await worker.digest();
    await Promise.all(waits);
    expect(digests.bytes).toBe(data.length);
    expect(digests.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(digests.chunks).toHaveLength(3);
    await expect(worker.update(data)).rejects.toThrow(/after digest/);
  });
});
