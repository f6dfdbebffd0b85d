import type { Torrent, Wire } from 'webtorrent';

/** Who a wire is, for bans: its peer id, or its address when the handshake is not done. */
export function wireKey(wire: Pick<Wire, 'peerId' | 'remoteAddress' | 'remotePort'>): string {
  return wire.peerId || `${wire.remoteAddress}:${wire.remotePort}`;
}

/**
 * Bans peers that send data failing the piece hashes. webtorrent only re-requests a
 * failed piece; this remembers which wires sent blocks of each piece, and when a
 * piece fails, bans a wire that sent it alone at once, or one that shared in two
 * failures. Banned peers are cut off and never let back in (by peer id and by
 * address:port, so loopback test peers are told apart).
 */
export class PeerGuard {
  readonly banned = new Set<string>();
  private readonly strikes = new Map<string, number>();
  private readonly contributors = new Map<number, Set<Wire>>();

  constructor(
    private readonly torrent: Torrent,
    private readonly onBan: (peer: string, reason: string) => void = () => undefined,
  ) {
    torrent.on('wire', (wire: Wire) => this.watch(wire));
    torrent.on('warning', (warning: Error | string) => {
      const match = /Piece (\d+) failed verification/.exec(String((warning as Error)?.message ?? warning));
      if (match) this.pieceFailed(Number(match[1]));
    });
    torrent.on('verified', (index: number) => this.contributors.delete(index));
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
    wire.on('piece', (index: number) => {
      let set = this.contributors.get(index);
      if (!set) this.contributors.set(index, (set = new Set()));
      set.add(wire);
    });
  }

  private isBanned(wire: Wire): boolean {
    return this.banned.has(wireKey(wire)) || this.banned.has(`${wire.remoteAddress}:${wire.remotePort}`);
  }

  private pieceFailed(index: number): void {
    const wires = [...(this.contributors.get(index) ?? [])];
    this.contributors.delete(index);
    for (const wire of wires) {
      if (wire.type === 'webSeed') continue; // Teller verifies what it serves; a failure there is a transport fault
      const key = wireKey(wire);
      const strikes = (this.strikes.get(key) ?? 0) + 1;
      this.strikes.set(key, strikes);
      if (wires.length === 1 || strikes >= 2) this.ban(wire, `piece ${index} failed verification`);
    }
  }

  private ban(wire: Wire, reason: string): void {
    const key = wireKey(wire);
    if (this.banned.has(key)) return;
    this.banned.add(key);
    this.banned.add(`${wire.remoteAddress}:${wire.remotePort}`);
    this.onBan(key, reason);
    try {
      this.torrent.removePeer(wire);
    } finally {
      wire.destroy();
    }
  }
}
