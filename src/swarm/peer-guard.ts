import { crc32 } from 'node:zlib';
import type { Torrent, Wire } from 'webtorrent';
import { WIRE_LIMIT_EVENT } from './wire-limits.js';

/** Who a wire is, for bans: its peer id, or its address when the handshake is not done. */
export function wireKey(wire: Pick<Wire, 'peerId' | 'remoteAddress' | 'remotePort'>): string {
  return wire.peerId || `${wire.remoteAddress}:${wire.remotePort}`;
}

/** Which wire sent which block of one attempt at a piece, with a checksum of the block. */
type BlockRecord = Map<number, { wire: Wire; crc: number }>;

/** One attempt at a piece: webtorrent's Piece object for it, and the blocks it got. */
interface Attempt {
  piece: PieceInternals;
  blocks: BlockRecord;
  /** The block that completed the piece was recorded (later ones came too late). */
  completed: boolean;
}

/** The parts of webtorrent's Piece (torrent-piece) that tell whether it kept a block. */
interface PieceInternals {
  _buffer: Array<Uint8Array | undefined> | null;
  _flushed: boolean;
}

const BLOCK = 16 * 1024;

/**
 * Did webtorrent keep this block in this attempt? It keeps the first copy of each block
 * of the current Piece and ignores late answers to requests of a failed attempt: only
 * kept blocks count as evidence. The piece's buffers are views of the very block
 * received; once complete the piece is flushed, and the block that completed it is the
 * first to arrive after that.
 */
function kept(attempt: Attempt, offset: number, block: Uint8Array): boolean {
  const buffers = attempt.piece._buffer;
  if (buffers) {
    const stored = buffers[offset / BLOCK];
    return stored !== undefined && stored.buffer === block.buffer && stored.byteOffset === block.byteOffset;
  }
  if (!attempt.piece._flushed || attempt.completed) return false;
  attempt.completed = true;
  return true;
}

/** Evidence a peer that has sent verified pieces needs against it before it is banned. */
const TRUSTED_STRIKES = 2;

/** Failed pieces a peer may touch, with no piece of its verified, before it is banned on suspicion alone. */
const SUSPICION_LIMIT = 4;

/**
 * Bans peers that send data failing the piece hashes ("smart ban", as libtorrent
 * does). webtorrent only re-requests a failed piece, so this layer remembers who sent
 * each block of each attempt and a CRC of it. A peer that sent a failed piece alone is
 * guilty; when a piece that failed with several senders later verifies, each block of
 * the failed attempt is compared with the good one, and whoever sent a different block
 * is guilty, while honest peers that shared the piece are not. A guilty peer that never
 * sent a verified piece is banned at once; one that did (a seeder that has served us
 * well) only when it happens again. A peer cut off for going past a connection's limits
 * (wire-limits.ts) is banned at once. Banned peers are cut off and kept out (by peer id
 * and by address:port, so loopback peers are told apart).
 */
export class PeerGuard {
  readonly banned = new Set<string>();
  private readonly attempts = new Map<number, Attempt>();
  private readonly strikes = new Map<string, number>();
  private readonly failed = new Map<number, BlockRecord[]>();
  private readonly suspicion = new Map<string, number>();
  private readonly trusted = new Set<string>();

  constructor(
    private readonly torrent: Torrent,
    private readonly onBan: (peer: string, reason: string) => void = () => undefined,
  ) {
    torrent.on('wire', (wire: Wire) => this.watch(wire));
    torrent.on('warning', (warning: Error | string) => {
      const match = /Piece (\d+) failed verification/.exec(String((warning as Error)?.message ?? warning));
      if (match) this.pieceFailed(Number(match[1]));
    });
    torrent.on('verified', (index: number) => this.pieceVerified(index));
    // discovery hands peers to addPeer: keep banned ones out for good
    const addPeer = torrent.addPeer.bind(torrent);
    torrent.addPeer = (peer: string | object, type?: string) => {
      if (typeof peer === 'string' && this.banned.has(peer)) return false;
      return addPeer(peer, type);
    };
  }

  private watch(wire: Wire): void {
    if (this.isBanned(wire)) {
      wire.destroy();
      return;
    }
    wire.on('handshake', () => {
      if (this.isBanned(wire)) wire.destroy();
    });
    wire.on(WIRE_LIMIT_EVENT, (reason: string) => this.ban(wire, reason));
    wire.on('piece', (index: number, offset: number, block: Uint8Array) => {
      // one record per webtorrent Piece object: a failed piece is replaced by a new one
      const piece = (this.torrent as unknown as { pieces: Array<PieceInternals | null> }).pieces[index];
      if (!piece) return; // already verified: a late duplicate
      let attempt = this.attempts.get(index);
      if (!attempt || attempt.piece !== piece) this.attempts.set(index, (attempt = { piece, blocks: new Map(), completed: false }));
      if (kept(attempt, offset, block)) attempt.blocks.set(offset, { wire, crc: crc32(block) });
    });
  }

  private isBanned(wire: Wire): boolean {
    return this.banned.has(wireKey(wire)) || this.banned.has(`${wire.remoteAddress}:${wire.remotePort}`);
  }

  private pieceFailed(index: number): void {
    const record = this.attempts.get(index)?.blocks;
    this.attempts.delete(index);
    if (!record) return;
    const senders = new Set([...record.values()].map((b) => b.wire).filter((w) => w.type !== 'webSeed'));
    if (senders.size === 1) {
      this.strike([...senders][0]!, `sent piece ${index} alone and it failed verification`);
      return;
    }
    (this.failed.get(index) ?? this.failed.set(index, []).get(index)!).push(record);
    for (const wire of senders) {
      const key = wireKey(wire);
      const count = (this.suspicion.get(key) ?? 0) + 1;
      this.suspicion.set(key, count);
      if (count >= SUSPICION_LIMIT && !this.trusted.has(key)) this.ban(wire, `shared in ${count} failed pieces and no verified one`);
    }
  }

  private pieceVerified(index: number): void {
    const good = this.attempts.get(index)?.blocks;
    this.attempts.delete(index);
    for (const wire of new Set([...(good?.values() ?? [])].map((b) => b.wire))) this.trusted.add(wireKey(wire));
    const failures = this.failed.get(index);
    this.failed.delete(index);
    if (!good || !failures) return;
    for (const failure of failures) {
      for (const [offset, block] of failure) {
        const right = good.get(offset);
        if (right && right.crc !== block.crc && block.wire.type !== 'webSeed') this.strike(block.wire, `sent a bad block of piece ${index}`);
      }
    }
  }

  /** A proven bad block: a peer with no verified piece is banned at once, a trusted one on repeat. */
  private strike(wire: Wire, reason: string): void {
    const key = wireKey(wire);
    const count = (this.strikes.get(key) ?? 0) + 1;
    this.strikes.set(key, count);
    if (!this.trusted.has(key) || count >= TRUSTED_STRIKES) this.ban(wire, reason);
  }

  private ban(wire: Wire, reason: string): void {
    const key = wireKey(wire);
    if (this.banned.has(key)) return;
    this.banned.add(key);
    this.banned.add(`${wire.remoteAddress}:${wire.remotePort}`);
    this.trusted.delete(key);
    this.onBan(key, reason);
    try {
      // webtorrent names peers by address:port; removing it stops reconnection attempts
      this.torrent.removePeer(`${wire.remoteAddress}:${wire.remotePort}`);
    } finally {
      wire.destroy();
    }
  }
}
