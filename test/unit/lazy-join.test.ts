import { randomBytes } from 'node:crypto';
import Wire from 'bittorrent-protocol';
import { describe, expect, it } from 'vitest';
import { joinReadsLazily } from '../../src/swarm/lazy-join.js';

joinReadsLazily();

const INFOHASH = '0123456789abcdef0123456789abcdef01234567';
const PEER = Buffer.from('a'.repeat(20)).toString('hex');

type TestWire = Wire & { _buffer: Uint8Array[]; on(e: string, f: (...a: never[]) => void): TestWire };

/** Lets a wire's streams move what was written (streamx hands data over asynchronously). */
const settle = () => new Promise((r) => setTimeout(r, 20));

/** What a peer sends: handshake, unchoke, a have, two 16 KiB blocks; and the blocks. */
async function peerBytes(): Promise<{ bytes: Buffer; blocks: Buffer[] }> {
  const out: Buffer[] = [];
  const a = new Wire() as Wire & { piece(index: number, offset: number, buffer: Buffer): void };
  a.on('data', (d: Buffer) => out.push(Buffer.from(d)));
  const blocks = [randomBytes(16384), randomBytes(16384)];
  a.handshake(INFOHASH, PEER);
  a.unchoke();
  a.have(3);
  a.piece(0, 0, blocks[0]!);
  a.piece(0, 16384, blocks[1]!);
  await settle();
  return { bytes: Buffer.concat(out), blocks };
}

/** Feed `bytes` to a fresh wire in reads of `size` bytes; what it parsed. */
async function parse(bytes: Buffer, size: number): Promise<string[]> {
  const b = new Wire() as TestWire;
  const events: string[] = [];
  b.on('handshake', (infohash: string) => events.push(`handshake ${infohash}`));
  b.on('unchoke', () => events.push('unchoke'));
  b.on('have', (i: number) => events.push(`have ${i}`));
  b.on('piece', (i: number, o: number, buf: Uint8Array) => events.push(`piece ${i}/${o} ${Buffer.from(buf).toString('hex')}`));
  for (let at = 0; at < bytes.length; at += size) b.write(bytes.subarray(at, at + size));
  await settle();
  return events;
}

describe('joinReadsLazily', () => {
  it('parses the same messages however the bytes are split into reads', async () => {
    const { bytes, blocks } = await peerBytes();
    const whole = await parse(bytes, bytes.length);
    expect(whole).toEqual([`handshake ${INFOHASH}`, 'unchoke', 'have 3', `piece 0/0 ${blocks[0]!.toString('hex')}`, `piece 0/16384 ${blocks[1]!.toString('hex')}`]);
    for (const size of [1, 3, 13, 1448, 4096, 16397]) expect(await parse(bytes, size)).toEqual(whole);
  });

  it('keeps the reads of an unfinished message apart instead of joining them on every read', async () => {
    const { bytes } = await peerBytes();
    const b = new Wire() as TestWire;
    b.write(bytes.subarray(0, 68)); // the handshake
    b.write(bytes.subarray(68, 68 + 5 + 9)); // unchoke, have 3
    const pieceAt = 68 + 5 + 9;
    b.write(bytes.subarray(pieceAt, pieceAt + 4)); // the piece message's length: 16393
    for (let i = 0; i < 5; i++) b.write(bytes.subarray(pieceAt + 4 + i * 1448, pieceAt + 4 + (i + 1) * 1448));
    await settle();
    expect(b._buffer).toHaveLength(5); // bittorrent-protocol alone: 1, rejoined five times
  });
});
