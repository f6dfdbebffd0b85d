import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, MAX_UNSENT_BYTES } from '../../src/swarm/wire-limits.js';
import { uploadImage } from '../helpers/images.js';
import { ADMIN_TOKEN } from '../helpers/registry.js';
import { startFullStack, type FullStack } from '../helpers/stack.js';
import { RawPeer, until, within } from '../helpers/raw-peer.js';

const MiB = 1024 * 1024;
const BLOCK = 16 * 1024;

describe('hostile connections against a seeding Teller (raw TCP, real Teller, tracker and registry)', () => {
  let s: FullStack;
  let port: number;
  let infohash: string;
  let pieces: number;
  beforeAll(async () => {
    // max_conns 4: Teller accepts 40 peer connections at once
    s = await startFullStack({ teller: { seeding: { enabled: true, offer_window: 0, max_conns: 4 } } });
    const { id } = await uploadImage(s.teller, { size: 16 * MiB });
    const image = (await s.teller.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body as { p2p_infohash: string; p2p_piece_length: number };
    infohash = image.p2p_infohash;
    pieces = Math.ceil((16 * MiB) / image.p2p_piece_length);
    const seeding = s.teller.teller.parts.seeding!;
    for (const until = Date.now() + 20_000; !seeding.seededImages().includes(id); ) {
      if (Date.now() > until) throw new Error('Teller never seeded the image');
      await new Promise((r) => setTimeout(r, 20));
    }
    port = await seeding.swarm.ready();
  });
  afterAll(async () => s?.close());

  it('a message that announces 2 GiB: the connection is cut at once, not buffered', async () => {
    const peer = new RawPeer(port);
    peer.handshake(infohash);
    await peer.handshaken();
    peer.announceHugeMessage();
    const junk = Buffer.alloc(MiB, 7);
    // keep sending until Teller hangs up (at most 256 MiB)
    let stop = false;
    void peer.closed.then(() => (stop = true));
    while (!stop && peer.sent < 256 * MiB) if (!peer.write(junk)) await within(new Promise((r) => peer.socket.once('drain', r)), 1000);
    expect(await within(peer.closed, 10_000)).toBe(true);
    // what the kernel's socket buffers hold, not what a 2 GiB message would have taken
    expect(peer.sent).toBeLessThan(MAX_MESSAGE_BYTES + 32 * MiB);
    expect(s.teller.teller.parts.seeding!.swarm.banned(infohash)).toContain(peer.id.toString('hex'));
  });

  it('a peer that asks for blocks and never reads: cut off once its unread answers pass the limit', async () => {
    const peer = new RawPeer(port);
    await peer.join(infohash);
    peer.socket.pause();
    // batches of 1,000 requests (under the queue limit), 8 of them: 125 MiB of answers, never read
    for (let batch = 0; batch < 8 && !peer.socket.destroyed; batch++) {
      const requests: Buffer[] = [];
      for (let i = 0; i < 1000; i++) requests.push(RawPeer.message(6, i % pieces, (i * BLOCK) % (4 * MiB), BLOCK));
      peer.write(Buffer.concat(requests));
      await new Promise((r) => setTimeout(r, 300));
    }
    peer.socket.resume();
    expect(await within(peer.closed, 20_000)).toBe(true);
    // the limit plus what the kernel's socket buffers held, not the 125 MiB asked for
    expect(peer.received).toBeLessThan(MAX_UNSENT_BYTES + 24 * MiB);
    expect(s.teller.teller.parts.seeding!.swarm.banned(infohash)).toContain(peer.id.toString('hex'));
  });

  it('a peer with more than 2,000 requests waiting: cut off', async () => {
    const peer = new RawPeer(port);
    await peer.join(infohash);
    const requests: Buffer[] = [];
    for (let i = 0; i < 5000; i++) requests.push(RawPeer.message(6, 0, 0, BLOCK));
    peer.write(Buffer.concat(requests));
    expect(await within(peer.closed, 20_000)).toBe(true);
    expect(peer.received).toBeLessThan(2000 * BLOCK + 4 * MiB);
  });

  it('a host that opens connections by the hundred: those past the cap are dropped at once, and the front door keeps answering', async () => {
    const peers = Array.from({ length: 100 }, () => new RawPeer(port));
    try {
      await until(() => peers.filter((p) => p.socket.destroyed).length >= 60, 'connections past the cap were kept', 10_000);
      expect(peers.filter((p) => !p.socket.destroyed).length).toBeLessThanOrEqual(40);
      expect((await s.teller.call('GET', '/healthz')).status).toBe(200);
    } finally {
      for (const p of peers) p.socket.destroy();
    }
  });

  it('an honest peer still downloads the whole image after all that', async () => {
    const peer = new RawPeer(port);
    await peer.join(infohash);
    const before = peer.received;
    const blocks = (16 * MiB) / BLOCK;
    const perPiece = (4 * MiB) / BLOCK;
    // 64 requests in flight at a time, as our agents do
    for (let sent = 0; sent < blocks; ) {
      const batch: Buffer[] = [];
      for (let k = 0; k < 64 && sent < blocks; k++, sent++) batch.push(RawPeer.message(6, Math.floor(sent / perPiece), (sent % perPiece) * BLOCK, BLOCK));
      const want = peer.received + batch.length * (BLOCK + 13);
      peer.write(Buffer.concat(batch));
      for (const until = Date.now() + 20_000; peer.received < want; ) {
        if (Date.now() > until) throw new Error('no answer');
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    expect(peer.received - before).toBeGreaterThanOrEqual(16 * MiB);
    expect(await within(peer.closed, 100)).toBe(false);
    peer.socket.destroy();
    // the three peers cut off above are counted
    const metrics = (await s.teller.call('GET', '/metrics')).text;
    expect(Number(/^glance_p2p_teller_peers_banned_total\{[^}]*\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
  });
});
