import type { AnnounceResult } from '../engine.js';
import { compactPeers } from '../swarm/compact-address.js';

function header(action: number, transactionId: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  out.writeUInt32BE(action, 0);
  out.writeUInt32BE(transactionId, 4);
  return out;
}

/** Answer to connect: the connection id the client must send back. */
export function connectReply(transactionId: number, connectionId: Buffer): Buffer {
  const out = header(0, transactionId, 16);
  connectionId.copy(out, 8);
  return out;
}

/** Answer to announce; peers of the socket's family only (BEP 15: 6-byte entries over IPv4, 18 over IPv6). */
export function announceReplyUdp(transactionId: number, result: AnnounceResult, family: 4 | 6): Buffer {
  const out = compactPeers(result.peers, family, 20);
  out.writeUInt32BE(1, 0);
  out.writeUInt32BE(transactionId, 4);
  out.writeUInt32BE(result.interval, 8);
  out.writeUInt32BE(result.incomplete, 12);
  out.writeUInt32BE(result.complete, 16);
  return out;
}

/** An error answer; the text is the failure reason. */
export function errorReplyUdp(transactionId: number, message: string): Buffer {
  return Buffer.concat([header(3, transactionId, 8), Buffer.from(message, 'utf8')]);
}
