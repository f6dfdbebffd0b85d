import type { PeerRecord } from './peer.js';

/**
 * Peers that stopped or expired, kept with their byte counts so `/stats` can
 * still show who sent what after a download ended, and so a peer that comes
 * back (same address and peer id) continues its account. Oldest leave first.
 */
export class DepartedPeers {
  private readonly peers = new Map<string, PeerRecord>();

  constructor(private readonly kept: number) {}

  /** Remember a peer that left. */
  add(peer: PeerRecord): void {
    if (this.kept <= 0) return;
    const key = accountKey(peer.key, peer.peerId);
    this.peers.delete(key);
    this.peers.set(key, peer);
    if (this.peers.size > this.kept) this.peers.delete(this.peers.keys().next().value!);
  }

  /** Take back the record of a returning peer, if it is still kept. */
  take(addr: string, peerId: string): PeerRecord | undefined {
    const key = accountKey(addr, peerId);
    const peer = this.peers.get(key);
    if (peer) this.peers.delete(key);
    return peer;
  }

  values(): IterableIterator<PeerRecord> {
    return this.peers.values();
  }
}

function accountKey(addr: string, peerId: string): string {
  return `${addr}|${peerId}`;
}
