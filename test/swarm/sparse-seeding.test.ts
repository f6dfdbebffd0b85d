import { connect } from 'node:net';
import Wire from 'bittorrent-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadImage } from '../helpers/images.js';
import { ADMIN_TOKEN } from '../helpers/registry.js';
import { peerId } from '../helpers/tracker-wire.js';
import { startFullStack, type FullStack } from '../helpers/stack.js';

const MiB = 1024 * 1024;

async function waitFor<T>(fn: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A bare BitTorrent peer dialing Teller: records what Teller announces to it. */
async function dial(port: number, infohash: string, pieces: number) {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const wire = new Wire();
  socket.pipe(wire).pipe(socket);
  const seen = { bitfield: undefined as number[] | undefined, haves: [] as number[] };
  wire.on('bitfield', (bits: { get(i: number): boolean }) => {
    seen.bitfield = Array.from({ length: pieces }, (_, i) => i).filter((i) => bits.get(i));
  });
  wire.on('have', (index: number) => seen.haves.push(index));
  wire.handshake(infohash, peerId('-SP0001-').toString('hex'), { dht: false });
  return { wire, seen, close: () => socket.destroy() };
}

describe('Teller seeds sparingly (seeding.offer_window)', () => {
  let s: FullStack;
  beforeAll(async () => {
    s = await startFullStack();
  });
  afterAll(async () => s?.close());

  it('shows each peer two pieces nobody else was shown, and a third only once a fetched one reached another peer', async () => {
    const { id } = await uploadImage(s.teller, { size: 6 * 4 * MiB - 5 });
    const image = (await s.teller.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body as { p2p_infohash: string; p2p_piece_length: number };
    expect(image.p2p_piece_length).toBe(4 * MiB);
    const seeding = s.teller.teller.parts.seeding!;
    await waitFor(() => seeding.seededImages().includes(id));
    const port = await seeding.swarm.ready();

    const a = await dial(port, image.p2p_infohash, 6);
    const b = await dial(port, image.p2p_infohash, 6);
    try {
      // Teller holds all 6 pieces but announces none, then 2 to each peer, all different.
      await waitFor(() => a.seen.haves.length === 2 && b.seen.haves.length === 2);
      expect(a.seen.bitfield).toEqual([]);
      expect(b.seen.bitfield).toEqual([]);
      const shown = [...a.seen.haves, ...b.seen.haves];
      expect(new Set(shown).size).toBe(4);

      // A fetches one of its pieces: B lacks it, so A's slot stays taken until B has it too.
      const [fetched] = a.seen.haves;
      a.wire.have(fetched!);
      await new Promise((r) => setTimeout(r, 300));
      expect(a.seen.haves).toHaveLength(2);
      expect(b.seen.haves).toHaveLength(2);

      b.wire.have(fetched!);
      await waitFor(() => a.seen.haves.length === 3);
      // The new one is a piece no peer has or was shown.
      expect(shown).not.toContain(a.seen.haves[2]);
      // B's slots are its own two offers, still open: nothing new for B.
      await new Promise((r) => setTimeout(r, 300));
      expect(b.seen.haves).toHaveLength(2);
    } finally {
      a.close();
      b.close();
    }
  });

  it('moves a lone peer along as it fetches: nobody else lacks what it got', async () => {
    const { id } = await uploadImage(s.teller, { size: 5 * 4 * MiB });
    const image = (await s.teller.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body as { p2p_infohash: string };
    const seeding = s.teller.teller.parts.seeding!;
    await waitFor(() => seeding.seededImages().includes(id));
    const lone = await dial(await seeding.swarm.ready(), image.p2p_infohash, 5);
    try {
      for (let shown = 2; shown <= 5; shown++) {
        await waitFor(() => lone.seen.haves.length === shown);
        lone.wire.have(lone.seen.haves[shown - 2]!);
      }
      expect(new Set(lone.seen.haves)).toEqual(new Set([0, 1, 2, 3, 4]));
    } finally {
      lone.close();
    }
  });
});
