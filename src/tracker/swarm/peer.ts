import { compactAddress } from './compact-address.js';

/** How a peer reached the tracker. */
export type Transport = 'http' | 'udp';

/** A peer of one swarm as the tracker sees it, with the bytes it reported. */
export interface PeerRecord {
  /** `ip:port` (IPv6 in brackets): the key of the live list, taken from the packet, never from the client's claims. */
  readonly key: string;
  peerId: string;
  readonly ip: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** The address in compact form, made once for every peer list it goes into. */
  readonly compact: Buffer;
  transport: Transport;
  userId: string;
  projectId: string;
  admin: boolean;
  /** Bytes left as last reported; 0 means seeder. */
  left: number;
  complete: boolean;
  /** The client's own session counters as last reported (they restart at `started`). */
  reportedUploaded: number;
  reportedDownloaded: number;
  /** Bytes counted for this peer over all its sessions. */
  uploaded: number;
  downloaded: number;
  firstSeen: number;
  lastSeen: number;
  announces: number;
}

/** The fields of an admitted announce a new peer record is made from. */
export interface PeerOrigin {
  addr: string;
  peer_id: string;
  ip: string;
  port: number;
  family: 4 | 6;
  transport: Transport;
  left: number;
  now: number;
}

/** A fresh record for a peer the swarm has not seen (or no longer remembers). */
export function newPeer(o: PeerOrigin): PeerRecord {
  return {
    key: o.addr,
    peerId: o.peer_id,
    ip: o.ip,
    port: o.port,
    family: o.family,
    compact: compactAddress(o.ip, o.port),
    transport: o.transport,
    userId: '',
    projectId: '',
    admin: false,
    left: o.left,
    complete: false,
    reportedUploaded: 0,
    reportedDownloaded: 0,
    uploaded: 0,
    downloaded: 0,
    firstSeen: o.now,
    lastSeen: o.now,
    announces: 0,
  };
}

/** One announce's byte fields as the client sent them. */
export interface ReportedBytes {
  event: string;
  uploaded: number;
  downloaded: number;
}

/**
 * Turn a client's session counters into bytes moved since its last announce.
 * Counters restart at `started`; a lower value on any other event (webtorrent's
 * final `stopped` carries zeros, a client that restarted without saying so) adds
 * nothing and becomes the new base, so nothing is ever counted twice.
 */
export function accountBytes(peer: PeerRecord, report: ReportedBytes): { uploaded: number; downloaded: number } {
  const restart = report.event === 'started';
  const up = delta(restart ? 0 : peer.reportedUploaded, report.uploaded);
  const down = delta(restart ? 0 : peer.reportedDownloaded, report.downloaded);
  peer.reportedUploaded = clean(report.uploaded);
  peer.reportedDownloaded = clean(report.downloaded);
  peer.uploaded += up;
  peer.downloaded += down;
  return { uploaded: up, downloaded: down };
}

function clean(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function delta(base: number, now: number): number {
  const value = clean(now);
  return value > base ? value - base : 0;
}
