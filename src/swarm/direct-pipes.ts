import Peer from 'webtorrent/lib/peer.js';

/** The parts of webtorrent's Peer this touches (not part of its public API). */
interface PeerInternals {
  conn: NodeJS.ReadWriteStream;
  wire: NodeJS.ReadWriteStream;
  destroyed: boolean;
  throttleGroups?: { up: { getEnabled(): boolean }; down: { getEnabled(): boolean } };
  emit(event: 'download' | 'upload', bytes: number): boolean;
  setThrottlePipes(): void;
}

let installed = false;

/**
 * webtorrent joins every connection to its wire through four streamx transforms: a
 * rate limiter and a byte counter each way, the limiter there even when no limit is
 * set. Each chunk read from or written to a socket then takes four more stream hops,
 * and on shaped links, where a read holds one or two TCP segments, those hops cost
 * more CPU than the BitTorrent work. With no rate limit in force, the socket is piped
 * straight to the wire and back, and the bytes are counted with listeners, so
 * webtorrent's per-peer and per-torrent counters and speeds stay as they were. A
 * client with a limit (Teller's upload budget) keeps webtorrent's pipes.
 */
export function pipePeersDirectly(): void {
  if (installed) return;
  installed = true;
  const proto = (Peer as unknown as { prototype: PeerInternals }).prototype;
  const throttled = proto.setThrottlePipes;
  proto.setThrottlePipes = function (this: PeerInternals) {
    if (this.throttleGroups?.up.getEnabled() || this.throttleGroups?.down.getEnabled()) return throttled.call(this);
    // Peer destroys both ends when either one ends, closes or fails.
    this.conn.on('data', (chunk: Uint8Array) => {
      if (!this.destroyed) this.emit('download', chunk.length);
    });
    this.wire.on('data', (chunk: Uint8Array) => {
      if (!this.destroyed) this.emit('upload', chunk.length);
    });
    this.conn.pipe(this.wire).pipe(this.conn);
  };
}
