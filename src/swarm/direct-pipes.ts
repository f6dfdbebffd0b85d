import Peer from 'webtorrent/lib/peer.js';

/** The parts of webtorrent's Peer this touches (not part of its public API). */
interface PeerInternals {
  conn: NodeJS.ReadWriteStream & { cork(): void; uncork(): void; destroyed?: boolean; writableEnded?: boolean };
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
 * straight to the wire, and the wire's output goes to the socket corked for the rest
 * of the turn: the wire queues a block as a header and a body, and requests in bursts,
 * which would otherwise be a write(2) and a TCP segment each. The bytes are counted
 * with listeners, so webtorrent's per-peer and per-torrent counters and speeds stay as
 * they were. A client with a limit (Teller's upload budget) keeps webtorrent's pipes.
 */
export function pipePeersDirectly(): void {
  if (installed) return;
  installed = true;
  const proto = (Peer as unknown as { prototype: PeerInternals }).prototype;
  const throttled = proto.setThrottlePipes;
  proto.setThrottlePipes = function (this: PeerInternals) {
    if (this.throttleGroups?.up.getEnabled() || this.throttleGroups?.down.getEnabled()) return throttled.call(this);
    // Peer destroys both ends when either one ends, closes or fails.
    const { conn, wire } = this;
    conn.on('data', (chunk: Uint8Array) => {
      if (!this.destroyed) this.emit('download', chunk.length);
    });
    conn.pipe(wire);
    let corked = false;
    const uncork = () => {
      corked = false;
      conn.uncork();
    };
    wire.on('data', (chunk: Uint8Array) => {
      if (this.destroyed || conn.destroyed || conn.writableEnded) return;
      if (!corked) {
        corked = true;
        conn.cork();
        process.nextTick(uncork);
      }
      if (!conn.write(chunk)) wire.pause();
      this.emit('upload', chunk.length);
    });
    conn.on('drain', () => wire.resume());
    wire.on('end', () => conn.end());
  };
}
