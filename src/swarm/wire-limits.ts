import Wire from 'bittorrent-protocol';
import type WebTorrent from 'webtorrent';

/**
 * The largest message a peer may send. The largest honest ones are a block of at most 128 KiB
 * with its 13-byte header (webtorrent drops a peer that asks for more) and the bitfield of a
 * torrent with millions of pieces. bittorrent-protocol itself buffers whatever length a peer
 * announces and joins the buffer anew on every read: one connection announcing 2 GiB pinned
 * a core and grew memory without end.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Block requests a peer may have waiting on us (libtorrent's own limit for its peers). */
export const MAX_QUEUED_REQUESTS = 2000;

/**
 * Bytes of answered blocks a peer may leave unread. Honest peers ask for a few seconds' worth
 * at the rate they read; one that asks and never reads had every answer kept in memory.
 */
export const MAX_UNSENT_BYTES = 16 * 1024 * 1024;

/** Emitted on a wire, with the reason, just before it is cut off for going past a limit. */
export const WIRE_LIMIT_EVENT = 'limit-exceeded';

/** The parts of bittorrent-protocol's Wire this touches (not part of its public API). */
interface WireInternals {
  /** webtorrent's kind of connection ('tcpIncoming', 'webSeed', …); null on a web seed's own end. */
  type: string | null;
  peerRequests: unknown[];
  _readableState?: { buffered: number };
  _parse(size: number, parser: (buffer: Uint8Array) => void): void;
  _onMessageLength(buffer: Uint8Array): void;
  _onRequest(index: number, offset: number, length: number): void;
  piece(index: number, offset: number, buffer: Uint8Array): void;
  emit(event: string, ...args: unknown[]): boolean;
  destroy(): void;
}

/**
 * A wire that talks to a peer over the network. A web seed is two wires joined in this
 * process (webtorrent's WebConn answers with whole pieces fetched over HTTP): not limited.
 */
function toPeer(wire: WireInternals): boolean {
  return wire.type !== null && wire.type !== undefined && wire.type !== 'webSeed';
}

function cutOff(wire: WireInternals, reason: string): void {
  wire.emit(WIRE_LIMIT_EVENT, reason);
  // parse nothing more of what this peer sent
  wire._parse(Number.MAX_VALUE, () => undefined);
  wire.destroy();
}

let installed = false;

/**
 * Bound what one peer connection can make us hold, for every wire in the process (agents,
 * Teller's seeding and its import swarm alike): the size of a message, the requests waiting on us, and the answers
 * waiting for the peer to read them. A peer past a limit is cut off; PeerGuard bans it.
 */
export function limitWires(): void {
  if (installed) return;
  installed = true;
  const proto = Wire.prototype as unknown as WireInternals;
  const onMessageLength = proto._onMessageLength;
  proto._onMessageLength = function (this: WireInternals, buffer: Uint8Array) {
    const length = new DataView(buffer.buffer, buffer.byteOffset, 4).getUint32(0);
    if (length > MAX_MESSAGE_BYTES && toPeer(this)) return cutOff(this, `sent a message of ${length} bytes (at most ${MAX_MESSAGE_BYTES})`);
    onMessageLength.call(this, buffer);
  };
  const onRequest = proto._onRequest;
  proto._onRequest = function (this: WireInternals, index: number, offset: number, length: number) {
    if (this.peerRequests.length >= MAX_QUEUED_REQUESTS && toPeer(this)) return cutOff(this, `had more than ${MAX_QUEUED_REQUESTS} block requests waiting`);
    onRequest.call(this, index, offset, length);
  };
  const piece = proto.piece;
  proto.piece = function (this: WireInternals, index: number, offset: number, buffer: Uint8Array) {
    const unsent = this._readableState?.buffered ?? 0;
    if (unsent + buffer.length > MAX_UNSENT_BYTES && toPeer(this)) return cutOff(this, `left ${unsent} bytes of answers unread`);
    piece.call(this, index, offset, buffer);
  };
}

/** Peer connections a client accepts at once, per connection a torrent may dial. */
export const INCOMING_PER_CONN = 10;

/**
 * Cap the peer connections a client accepts at once at INCOMING_PER_CONN × `maxConns`.
 * webtorrent's maxConns only limits those it dials; without a cap, anyone reaching the
 * port could hold connections until the process (for `glance-p2p up`, the registry and
 * the front door too) ran out of file descriptors. The listening socket then drops
 * connections past the cap at once.
 */
export function limitIncoming(wt: WebTorrent, maxConns: number): void {
  const pool = (wt as unknown as { _connPool?: { tcpServer?: { maxConnections: number } } })._connPool;
  if (pool?.tcpServer) pool.tcpServer.maxConnections = INCOMING_PER_CONN * maxConns;
}
