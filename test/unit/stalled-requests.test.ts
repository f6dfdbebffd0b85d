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
    expect(outcomes).toEqual(Array(3).fill('peer left a block request unanswered for 100 ms'));
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
    expect(outcomes).toEqual(Array(2).fill('peer left a block request unanswered for 100 ms'));
  });

  it('releases only the requests a peer sits on while it answers others (which keeps webtorrent\'s 30-s timeout from ever firing)', async () => {
    const { a, b } = await unchoked();
    new StalledRequests(150).watch(a);
    const outcomes = new Map<number, string>();
    // b answers the even blocks at once and sits on the odd ones
    b.on('request', (_i: number, offset: number, length: number, respond: (err: Error | null, data?: Buffer) => void) => (offset / 16384) % 2 === 0 && respond(null, Buffer.alloc(length)));
    for (let i = 0; i < 6; i++) a.request(0, i * 16384, 16384, (err) => outcomes.set(i, err ? err.message : 'block'));
    for (const until = Date.now() + 3000; outcomes.size < 6 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
    const held = 'peer left a block request unanswered for 150 ms';
    expect([0, 1, 2, 3, 4, 5].map((i) => outcomes.get(i))).toEqual(['block', held, 'block', held, 'block', held]);
  });

  it('leaves alone a peer that answers each request within the stall time, however long the exchange', async () => {
    const { a, b } = await unchoked();
    const stalled = new StalledRequests(150);
    stalled.watch(a);
    b.on('request', (_i: number, _o: number, length: number, respond: (err: Error | null, data?: Buffer) => void) => setTimeout(() => respond(null, Buffer.alloc(length)), 50));
    const outcomes: string[] = [];
    // ten rounds of two requests: about a second in all, many times the stall time
    for (let round = 0; round < 10; round++) {
      await Promise.all([0, 1].map((k) => new Promise<void>((r) => a.request(round, k * 16384, 16384, (err) => r(void outcomes.push(err ? err.message : 'block'))))));
    }
    expect(outcomes).toEqual(Array(20).fill('block'));
    expect(stalled.benched(a)).toBe(false);
  });
});
