import { createServer, connect, type Socket } from 'node:net';
import Wire from 'bittorrent-protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { StalledRequests } from '../../src/swarm/stalled-requests.js';

const INFOHASH = '0123456789abcdef0123456789abcdef01234567';
const id = (c: string) => Buffer.from(c.repeat(20)).toString('hex');

type TestWire = Wire & { peerRequests: unknown[]; piece(index: number, offset: number, buffer: Buffer): void; hasFast: boolean; peerChoking: boolean; requests: unknown[]; on(e: string, f: (...a: unknown[]) => void): TestWire };

/** Two real wires over a loopback TCP connection, fast extension on both ends. */
async function pair(): Promise<{ a: TestWire; b: TestWire; close(): void }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  await new Promise((r) => client.once('connect', r));
  while (sockets.length === 0) await new Promise((r) => setTimeout(r, 5));
  const a = new Wire() as TestWire;
  const b = new Wire() as TestWire;
  client.pipe(a).pipe(client);
  sockets[0]!.pipe(b).pipe(sockets[0]!);
  const shaken = Promise.all([new Promise((r) => a.once('handshake', r)), new Promise((r) => b.once('handshake', r))]);
  a.handshake(INFOHASH, id('a'), { fast: true });
  b.handshake(INFOHASH, id('b'), { fast: true });
  await shaken;
  return {
    a,
    b,
    close() {
      client.destroy();
      sockets[0]?.destroy();
      server.close();
    },
  };
}

describe('StalledRequests', () => {
  const open: Array<() => void> = [];
  afterEach(() => open.splice(0).forEach((c) => c()));

  const unchoked = async () => {
    const { a, b, close } = await pair();
    open.push(close);
    b.unchoke();
    await new Promise((r) => a.once('unchoke', r));
    return { a, b };
  };
  const requested = (b: TestWire, n: number) => new Promise<void>((r) => b.on('request', () => b.peerRequests.length === n && r()));
  const settled = async (outcomes: string[], n: number) => {
    for (const until = Date.now() + 3000; outcomes.length < n && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
  };

  it('fails the requests of a peer that sits on them, so they can go elsewhere, and benches it', async () => {
    const { a, b } = await unchoked();
    const stalled = new StalledRequests(100);
    stalled.watch(a);
    const outcomes: string[] = [];
    const received = requested(b, 3);
    for (let i = 0; i < 3; i++) a.request(0, i * 16384, 16384, (err) => outcomes.push(err ? err.message : 'block'));
    await received; // b holds them and never answers
    await settled(outcomes, 3);
    expect(outcomes).toEqual(Array(3).fill('peer sent no block for 100 ms'));
    expect(a.requests).toHaveLength(0);
    expect(stalled.benched(a)).toBe(true);
    expect(stalled.benched(b)).toBe(false);
  });

  it('a peer that chokes us with the fast extension and sends no reject (breaking BEP 6) is a stall too', async () => {
    const { a, b } = await unchoked();
    expect(a.hasFast && b.hasFast).toBe(true);
    new StalledRequests(100).watch(a);
    const outcomes: string[] = [];
    const received = requested(b, 2);
    for (let i = 0; i < 2; i++) a.request(0, i * 16384, 16384, (err) => outcomes.push(err ? err.message : 'block'));
    await received;
    b.peerRequests.length = 0;
    b.choke();
    await new Promise((r) => a.once('choke', r));
    expect(a.requests).toHaveLength(2); // the fast extension keeps them
    await settled(outcomes, 2);
    expect(outcomes).toEqual(Array(2).fill('peer sent no block for 100 ms'));
  });

  it('leaves alone a peer that is slow but sending, however long its queue of our requests waits', async () => {
    const { a, b } = await unchoked();
    const stalled = new StalledRequests(150);
    stalled.watch(a);
    const outcomes: string[] = [];
    // b answers one block every 50 ms, oldest first: the last of 20 waits a second, far past the stall time
    b.on('request', () => undefined);
    const received = requested(b, 20);
    for (let i = 0; i < 20; i++) a.request(0, i * 16384, 16384, (err) => outcomes.push(err ? err.message : 'block'));
    await received;
    while (b.peerRequests.length > 0) {
      await new Promise((r) => setTimeout(r, 50));
      const req = b.peerRequests.shift() as { piece: number; offset: number; length: number };
      b.piece(req.piece, req.offset, Buffer.alloc(req.length));
    }
    await settled(outcomes, 20);
    expect(outcomes).toEqual(Array(20).fill('block'));
    expect(stalled.benched(a)).toBe(false);
  });
});
