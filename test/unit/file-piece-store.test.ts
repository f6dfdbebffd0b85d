import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FilePieceStore } from '../../src/swarm/file-piece-store.js';

const dir = mkdtempSync(join(tmpdir(), 'piece-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const call = <T>(fn: (cb: (err: Error | null, value?: T) => void) => void) =>
  new Promise<T | undefined>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

describe('FilePieceStore', () => {
  it('writes pieces in place, reads whole pieces and sub-ranges, refuses ranges outside a piece, and refuses work once closed', async () => {
    const file = join(dir, 'image.part');
    const store = new FilePieceStore(4, { file, length: 10 });
    await call((cb) => store.put(1, Buffer.from('efgh'), cb));
    await call((cb) => store.put(0, Buffer.from('abcd'), cb));
    await call((cb) => store.put(2, Buffer.from('ij'), cb));
    expect(Buffer.from((await call<Uint8Array>((cb) => store.get(1, null, cb)))!).toString()).toBe('efgh');
    expect(Buffer.from((await call<Uint8Array>((cb) => store.get(2, null, cb)))!).toString()).toBe('ij');
    expect(Buffer.from((await call<Uint8Array>((cb) => store.get(0, { offset: 1, length: 2 }, cb)))!).toString()).toBe('bc');
    // what a peer may ask for: ranges inside one piece, nothing past the torrent's end
    await expect(call((cb) => store.get(3, null, cb))).rejects.toThrow(/no such range/);
    await expect(call((cb) => store.get(1000, { offset: 0, length: 2 }, cb))).rejects.toThrow(/no such range/);
    await expect(call((cb) => store.get(0, { offset: 3, length: 2 }, cb))).rejects.toThrow(/no such range/);
    await expect(call((cb) => store.get(2, { offset: 0, length: 3 }, cb))).rejects.toThrow(/no such range/);
    await expect(call((cb) => store.get(1, { offset: 0, length: 0 }, cb))).rejects.toThrow(/no such range/);
    await call((cb) => store.close(cb));
    expect(readFileSync(file, 'utf8')).toBe('abcdefghij');
    // an upload request that arrives after close must not reopen (and leak) the file
    await expect(call((cb) => store.get(0, null, cb))).rejects.toThrow(/closed/);
    await expect(call((cb) => store.put(0, Buffer.from('zzzz'), cb))).rejects.toThrow(/closed/);
    expect(readFileSync(file, 'utf8')).toBe('abcdefghij');
  });
});
