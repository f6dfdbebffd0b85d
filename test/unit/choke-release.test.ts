import { createServer, connect, type Socket } from 'node:net';
import Wire from 'bittorrent-protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { releaseRequestsOnChoke } from '../../src/swarm/choke-release.js';

const INFOHASH = '0123456789abcdef0123456789abcdef01234567';
const id = (c: string) => Buffer.from(c.repeat(20)).toString('hex');

type TestWire = Wire & { peerRequests: unknown[]; hasFast: boolean; peerChoking: boolean; requests: unknown[]; on(e: string, f: (...a: unknown[]) => void): TestWire };

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

describe('releaseRequestsOnChoke', () => {
  const open: Array<() => void> = [];
  afterEach(() => open.splice(0).forEach((c) => c()));

  it('fails the requests a peer keeps after choking us without rejecting them, so they can go elsewhere', async () => {
    const { a, b, close } = await pair();
    open.push(close);
    expect(a.hasFast && b.hasFast).toBe(true);
    releaseRequestsOnChoke(a, 100);
    b.unchoke();
    await new Promise((r) => a.once('unchoke', r));
    const outcomes: Array<string> = [];
    const received = new Promise<void>((r) => b.on('request', () => b.peerRequests.length === 3 && r()));
    for (let i = 0; i < 3; i++) a.request(0, i * 16384, 16384, (err) => outcomes.push(err ? err.message : 'block'));
    await received;
    // a peer that breaks BEP 6: it drops our requests and chokes without a reject
    b.peerRequests.length = 0;
    b.choke();
    await new Promise((r) => a.once('choke', r));
    expect(a.requests).toHaveLength(3);
    for (const until = Date.now() + 2000; outcomes.length < 3 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
    expect(outcomes).toEqual(Array(3).fill('peer choked us and did not reject the request'));
    expect(a.requests).toHaveLength(0);
  });

  it('leaves alone what a peer rejects itself, and requests made after an unchoke', async () => {
    const { a, b, close } = await pair();
    open.push(close);
    releaseRequestsOnChoke(a, 100);
    b.unchoke();
    await new Promise((r) => a.once('unchoke', r));
    const outcomes: string[] = [];
    const received = new Promise<void>((r) => b.on('request', () => b.peerRequests.length === 2 && r()));
    for (let i = 0; i < 2; i++) a.request(0, i * 16384, 16384, (err) => outcomes.push(err ? err.message : 'block'));
    await received;
    b.choke(); // a compliant peer: rejects both
    await new Promise((r) => a.once('choke', r));
    b.unchoke();
    await new Promise((r) => a.once('unchoke', r));
    a.request(1, 0, 16384, (err) => outcomes.push(err ? err.message : 'block'));
    await new Promise((r) => setTimeout(r, 300));
    expect(outcomes).toEqual(['request was rejected', 'request was rejected']);
    expect(a.requests).toHaveLength(1); // the new one waits for its answer
  });
});
