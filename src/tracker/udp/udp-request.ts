/** A UDP tracker request (BEP 15), parsed; the address it came from is added by the socket layer. */
export type UdpRequest =
  | { action: 'connect'; transactionId: number }
  | { action: 'announce'; transactionId: number; connectionId: Buffer; announce: UdpAnnounceFields }
  | { action: 'scrape'; transactionId: number; connectionId: Buffer; infohashes: string[] };

/** The fixed fields of a UDP announce plus the BEP 41 URL data after them. */
export interface UdpAnnounceFields {
  infohash: string;
  peerId: string;
  downloaded: number;
  left: number;
  uploaded: number;
  event: 'update' | 'completed' | 'started' | 'stopped';
  /** -1 asks for the tracker's default. */
  numwant: number;
  port: number;
  /** Path and query of the announce URL (BEP 41), e.g. `/announce?passkey=…`; undefined when the client sent none. */
  urlData: string | undefined;
}

/** A datagram that is not a tracker request at all; it gets no answer. */
export class UdpParseError extends Error {}

const PROTOCOL_ID = 0x41727101980n;
const EVENTS = ['update', 'completed', 'started', 'stopped'] as const;
const ANNOUNCE_BYTES = 98;

/** Parse one datagram. Throws UdpParseError for anything that is not a well-formed request. */
export function parseUdpRequest(msg: Buffer): UdpRequest {
  if (msg.length < 16) throw new UdpParseError('packet too short');
  const action = msg.readUInt32BE(8);
  const transactionId = msg.readUInt32BE(12);
  if (action === 0) {
    if (msg.readBigUInt64BE(0) !== PROTOCOL_ID) throw new UdpParseError('connect without the protocol id');
    return { action: 'connect', transactionId };
  }
  const connectionId = msg.subarray(0, 8);
  if (action === 1) {
    if (msg.length < ANNOUNCE_BYTES) throw new UdpParseError('announce too short');
    const event = EVENTS[msg.readUInt32BE(80)];
    if (!event) throw new UdpParseError('unknown event');
    return {
      action: 'announce',
      transactionId,
      connectionId,
      announce: {
        infohash: msg.toString('hex', 16, 36),
        peerId: msg.toString('hex', 36, 56),
        downloaded: Number(msg.readBigUInt64BE(56)),
        left: Number(msg.readBigUInt64BE(64)),
        uploaded: Number(msg.readBigUInt64BE(72)),
        event,
        // 84: the client's IP (ignored: the packet's source is the peer's address); 88: key.
        numwant: msg.readInt32BE(92),
        port: msg.readUInt16BE(96),
        urlData: readUrlData(msg.subarray(ANNOUNCE_BYTES)),
      },
    };
  }
  if (action === 2) {
    const body = msg.length - 16;
    if (body === 0 || body % 20 !== 0) throw new UdpParseError('scrape with a partial infohash');
    const infohashes: string[] = [];
    for (let at = 16; at < msg.length; at += 20) infohashes.push(msg.toString('hex', at, at + 20));
    return { action: 'scrape', transactionId, connectionId, infohashes };
  }
  throw new UdpParseError(`unknown action ${action}`);
}

/**
 * BEP 41 options after the announce: 0 ends them, 1 is padding, 2 is a piece
 * of URL data (length byte, bytes); the pieces join into the path and query.
 * Unknown options carry a length byte and are skipped.
 */
export function readUrlData(options: Buffer): string | undefined {
  const pieces: Buffer[] = [];
  let at = 0;
  while (at < options.length) {
    const type = options[at]!;
    if (type === 0) break;
    if (type === 1) {
      at++;
      continue;
    }
    const length = options[at + 1];
    if (length === undefined || at + 2 + length > options.length) break;
    if (type === 2) pieces.push(options.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return pieces.length > 0 ? Buffer.concat(pieces).toString('latin1') : undefined;
}
