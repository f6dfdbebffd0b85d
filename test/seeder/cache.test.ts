import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, uploadImage } from '../helpers/images.js';
import { lyingFactory, type LieControls } from '../helpers/lying-store.js';
import { ADMIN_TOKEN } from '../helpers/registry.js';
import { startTestTeller, type TestTeller } from '../helpers/teller.js';
import { tempDir } from '../helpers/temp-dir.js';

const MiB = 1024 * 1024;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads a streamed body until at least `bytes` arrived; gives what came (and the reader, to go on). */
async function readAtLeast(body: ReadableStream<Uint8Array>, bytes: number, timeoutMs: number): Promise<{ got: Buffer[]; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = body.getReader();
  const got: Buffer[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.reduce((n, b) => n + b.length, 0) < bytes) {
    const next = await Promise.race([reader.read(), pause(Math.max(0, deadline - Date.now())).then(() => 'timeout' as const)]);
    if (next === 'timeout' || next.done) break;
    got.push(Buffer.from(next.value));
  }
  return { got, reader };
}

async function readRest(reader: ReadableStreamDefaultReader<Uint8Array>, got: Buffer[]): Promise<Buffer> {
  for (;;) {
    const next = await reader.read();
    if (next.done) return Buffer.concat(got);
    got.push(Buffer.from(next.value));
  }
}

describe('Teller cache: size cap, least recently used eviction, readers that follow a running fill', () => {
  let t: TestTeller;
  const gate: LieControls = { corrupt: undefined, reads: 0 };
  const release = () => {
    gate.holdAfter = undefined;
    for (const go of (gate.held ?? []).splice(0)) go();
  };
  const file = (id: string) => `${t.url}/v2/images/${id}/file`;
  const cacheFiles = () => readdirSync(t.teller.cache.dir);
  const roots: Array<{ remove(): void }> = [];
  // seeding off: the only store reads are the ones these tests make
  const startGated = (overrides: Record<string, unknown>) => {
    const root = tempDir('gated-store-');
    roots.push(root);
    return startTestTeller({ stores: [{ id: 'local', type: 'lying-file', options: { root: root.path } }], seeding: { enabled: false }, ...overrides }, undefined, lyingFactory(gate));
  };
  const settled = async () => {
    for (let i = 0; i < 200 && cacheFiles().some((f) => f.includes('.partial-')); i++) await pause(25);
  };

  beforeAll(async () => {
    t = await startGated({ cache: { max_bytes: 5 * MiB / 2 } });
  }, 60_000);
  afterAll(async () => {
    release();
    await t?.close();
    for (const root of roots) root.remove();
  });

  it('keeps the cache under its cap by evicting the least recently used image, and never caches one larger than the cap', async () => {
    const [a, b, c] = [await uploadImage(t, { size: MiB }), await uploadImage(t, { size: MiB }), await uploadImage(t, { size: MiB })];
    const get = async (img: { id: string; data: Buffer }) => {
      const res = await download(file(img.id), { 'x-auth-token': ADMIN_TOKEN });
      expect(res.body.equals(img.data)).toBe(true);
      await settled();
      await pause(20); // distinct last-use times
    };
    await get(a);
    await get(b);
    expect(cacheFiles().sort()).toEqual([sha256(a.data), sha256(b.data)].sort());
    await get(a); // a is now the most recently used
    await get(c); // two fit under 2.5 MiB: b goes
    expect(cacheFiles().sort()).toEqual([sha256(a.data), sha256(c.data)].sort());
    expect(t.teller.cache.stats().usedBytes).toBeLessThanOrEqual(5 * MiB / 2);
    const big = await uploadImage(t, { size: 3 * MiB });
    const reads = gate.reads;
    await get(big);
    await get(big);
    expect(gate.reads - reads).toBe(2); // served from the store both times
    expect(cacheFiles()).not.toContain(sha256(big.data));
    expect(cacheFiles().sort()).toEqual([sha256(a.data), sha256(c.data)].sort());
  });

  it('a later reader gets the verified bytes of a running fill before it commits, and the store is read once', async () => {
    const previous = t;
    t = undefined as unknown as TestTeller; // afterAll closes only what is running
    await previous.close();
    t = await startGated({});
    const img = await uploadImage(t, { size: 12 * MiB + 5 }); // pieces of 4 MiB
    gate.holdAfter = 5 * MiB; // the fill verifies piece 0, then stalls inside piece 1
    const reads = gate.reads;
    const first = await fetch(file(img.id), { headers: { 'x-auth-token': ADMIN_TOKEN } });
    const one = await readAtLeast(first.body!, 4 * MiB, 20_000);
    expect(Buffer.concat(one.got).length).toBeGreaterThanOrEqual(4 * MiB);
    const late = await fetch(file(img.id), { headers: { 'x-auth-token': ADMIN_TOKEN } });
    expect(late.status).toBe(200);
    const two = await readAtLeast(late.body!, 4 * MiB, 20_000);
    // the late reader has the whole first piece while the fill is still held: it follows, it does not wait
    expect(Buffer.concat(two.got).length).toBeGreaterThanOrEqual(4 * MiB);
    expect(cacheFiles()).not.toContain(sha256(img.data));
    expect(cacheFiles().some((f) => f.includes('.partial-'))).toBe(true);
    release();
    expect((await readRest(one.reader, one.got)).equals(img.data)).toBe(true);
    expect((await readRest(two.reader, two.got)).equals(img.data)).toBe(true);
    expect(gate.reads - reads).toBe(1);
    await settled();
    expect(cacheFiles()).toContain(sha256(img.data));
  });
});
