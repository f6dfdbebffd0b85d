import { crc32 } from 'node:zlib';
import type { Torrent, Wire } from 'webtorrent';

/** Who a wire is, for bans: its peer id, or its address when the handshake is not done. */
export function wireKey(wire: Pick<Wire, 'peerId' | 'remoteAddress' | 'remotePort'>): string {
  return wire.peerId || `${wire.remoteAddress}:${wire.remotePort}`;
}

/** Which wire sent which block of a piece, with a checksum of the block. */
type BlockRecord = Map<number, { wire: Wire; crc: number }>;

/** Failed pieces a peer may touch, with no piece of its verified, before it is banned on suspicion alone. */
const SUSPICION_LIMIT = 4;

/**
 * Bans peers that send data failing the piece hashes ("smart ban", as libtorrent
 * does). webtorrent only re-requests a failed piece, so this layer remembers who sent
 * each block and a CRC of it. A peer that sent a failed piece alone is banned at
 * once. When a piece that failed with several senders later verifies, each block of
 * the failed attempt is compared with the good one: whoever sent a different block is
 * banned, and honest peers that shared the piece are not. Banned peers are cut off and
 * kept out (by peer id and by address:port, so loopback peers are told apart).
 */
export class PeerGuard {
  readonly banned = new Set<string>();
  private readonly attempts = new Map<number, BlockRecord>();
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
    wire.on('piece', (index: number, offset: number, block: Uint8Array) => {
      let record = this.attempts.get(index);
      if (!record) this.attempts.set(index, (record = new Map()));
      record.set(offset, { wire, crc: crc32(block) });
    });
  }

  private isBanned(wire: Wire): boolean {
    return this.banned.has(wireKey(wire)) || this.banned.has(`${wire.remoteAddress}:${wire.remotePort}`);
  }

  private pieceFailed(index: number): void {
    const record = this.attempts.get(index);
    this.attempts.delete(index);
    if (!record) return;
    const senders = new Set([...record.values()].map((b) => b.wire).filter((w) => w.type !== 'webSeed'));
    if (senders.size === 1) {
      this.ban([...senders][0]!, `sent piece ${index} alone and it failed verification`);
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
    const good = this.attempts.get(index);
    this.attempts.delete(index);
    for (const wire of new Set([...(good?.values() ?? [])].map((b) => b.wire))) this.trusted.add(wireKey(wire));
    const failures = this.failed.get(index);
    this.failed.delete(index);
    if (!good || !failures) return;
    for (const failure of failures) {
      for (const [offset, block] of failure) {
        const right = good.get(offset);
        if (right && right.crc !== block.crc && block.wire.type !== 'webSeed') this.ban(block.wire, `sent a bad block of piece ${index}`);
      }
    }
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
