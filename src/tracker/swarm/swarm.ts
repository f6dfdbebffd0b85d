import type { ServerAnnounceResponse, ServerParams, ServerSwarm } from 'bittorrent-tracker/server';
import type { PasskeyClaims } from '../../core/passkey.js';
import { DepartedPeers } from './departed-peers.js';
import { PeerSet } from './peer-set.js';
import { accountBytes, newPeer, type PeerRecord, type Transport } from './peer.js';

/** An announce after parsing and admission: every field the swarm needs, none taken from the client's `ip`. */
export interface AnnounceParams extends ServerParams {
  event: 'started' | 'stopped' | 'completed' | 'update' | 'paused';
  ip: string;
  port: number;
  family: 4 | 6;
  addr: string;
  left: number;
  uploaded: number;
  downloaded: number;
  numwant: number;
  /** The client asked for the dictionary form of peer lists (`compact=0`); otherwise compact (BEP 23). */
  dictionaryPeers?: boolean;
  transport: Transport;
  passkey?: string;
  /** Set by the admission filter. */
  claims?: PasskeyClaims;
  /** The tracker's clock at arrival. */
  now: number;
}

/** Limits and timings a swarm works with. */
export interface SwarmOptions {
  peerTtlMs: number;
  maxPeers: number;
  departedKept: number;
  intervalSeconds: number;
  minIntervalSeconds: number;
  /** Told about every byte count that an announce adds. */
  onTransfer(infohash: string, uploaded: number, downloaded: number): void;
}

/** Running totals of one swarm. */
export interface SwarmTotals {
  uploaded: number;
  downloaded: number;
  /** Peers seen to finish the download (scrape's `downloaded`). */
  completed: number;
  announces: number;
}

/**
 * One torrent's peers, in place of bittorrent-tracker's Swarm: peers keyed by
 * their real address, ordered by last announce so that silent ones expire from
 * the front after `peerTtlMs`; seeders first in the lists leechers get, and only
 * leechers for seeders; bytes counted per peer and per swarm.
 */
export class TrackerSwarm implements ServerSwarm {
  private readonly peers = new Map<string, PeerRecord>();
  private readonly seeders = new PeerSet<PeerRecord>();
  private readonly leechers = new PeerSet<PeerRecord>();
  private readonly departed: DepartedPeers;
  readonly totals: SwarmTotals = { uploaded: 0, downloaded: 0, completed: 0, announces: 0 };

  constructor(
    readonly infohash: string,
    private readonly options: SwarmOptions,
  ) {
    this.departed = new DepartedPeers(options.departedKept);
  }

  get seederCount(): number {
    return this.seeders.size;
  }

  get leecherCount(): number {
    return this.leechers.size;
  }

  /** bittorrent-tracker calls this for an admitted announce. */
  announce(raw: ServerParams, cb: (err: Error | null, response?: ServerAnnounceResponse) => void): void {
    const params = raw as AnnounceParams;
    this.expire(params.now);
    this.totals.announces++;
    let peer = this.peers.get(params.addr);
    if (peer && peer.peerId !== params.peer_id) {
      // Another client now owns this address; the old one is gone.
      this.remove(peer);
      peer = undefined;
    }
    if (params.event === 'stopped') {
      if (peer) {
        // A client that finishes and quits at once (aria2 with --seed-time=0) says `stopped` with left=0 and
        // never `completed`. Other `stopped` announces may lack counts (webtorrent's), so only that case counts.
        if (params.left === 0) this.setProgress(peer, params);
        this.count(peer, params);
        this.remove(peer);
      }
      cb(null, this.response([]));
      return;
    }
    if (peer) {
      this.touch(peer, params.now);
      this.setProgress(peer, params);
    } else peer = this.admit(params);
    this.identify(peer, params);
    this.count(peer, params);
    cb(null, this.response(this.select(peer, params.numwant)));
  }

  /** bittorrent-tracker's scrape hook; the tracker's own scrape calls `counts()`. */
  scrape(_params: ServerParams, cb: (err: Error | null, response?: { complete: number; incomplete: number }) => void): void {
    cb(null, this.counts());
  }

  /** Seeders, leechers and completed downloads, as a scrape reports them. */
  counts(): { complete: number; incomplete: number; downloaded: number } {
    return { complete: this.seeders.size, incomplete: this.leechers.size, downloaded: this.totals.completed };
  }

  /** Drop peers that have been silent for longer than the peer lifetime. */
  expire(now: number): void {
    const cutoff = now - this.options.peerTtlMs;
    for (const peer of this.peers.values()) {
      if (peer.lastSeen > cutoff) break;
      this.remove(peer);
    }
  }

  /** Drop the peers a predicate picks (those whose principal lost access). */
  dropWhere(pick: (peer: PeerRecord) => boolean): number {
    let dropped = 0;
    for (const peer of [...this.peers.values()]) {
      if (!pick(peer)) continue;
      this.remove(peer);
      dropped++;
    }
    return dropped;
  }

  /** Live peers, longest silent first. */
  livePeers(): IterableIterator<PeerRecord> {
    return this.peers.values();
  }

  /** Peers that stopped or expired, most recent last, with their byte counts. */
  departedPeers(): IterableIterator<PeerRecord> {
    return this.departed.values();
  }

  get size(): number {
    return this.peers.size;
  }

  private admit(params: AnnounceParams): PeerRecord {
    if (this.peers.size >= this.options.maxPeers) {
      const oldest = this.peers.values().next().value;
      if (oldest) this.remove(oldest);
    }
    const peer = this.departed.take(params.addr, params.peer_id) ?? newPeer(params);
    peer.lastSeen = params.now;
    peer.left = params.left;
    peer.complete = params.left === 0;
    // A `completed` from a peer we never saw start (a tracker restart, an expiry) still is a finished download.
    if (params.event === 'completed') this.totals.completed++;
    this.peers.set(peer.key, peer);
    (peer.complete ? this.seeders : this.leechers).add(peer);
    return peer;
  }

  private touch(peer: PeerRecord, now: number): void {
    // Re-insert so the map stays ordered by last announce.
    this.peers.delete(peer.key);
    this.peers.set(peer.key, peer);
    peer.lastSeen = now;
  }

  private identify(peer: PeerRecord, params: AnnounceParams): void {
    peer.transport = params.transport;
    peer.announces++;
    if (params.claims) {
      peer.userId = params.claims.userId;
      peer.projectId = params.claims.projectId;
      peer.admin = params.claims.admin;
    }
  }

  private count(peer: PeerRecord, params: AnnounceParams): void {
    const moved = accountBytes(peer, params);
    if (moved.uploaded === 0 && moved.downloaded === 0) return;
    this.totals.uploaded += moved.uploaded;
    this.totals.downloaded += moved.downloaded;
    this.options.onTransfer(this.infohash, moved.uploaded, moved.downloaded);
  }

  private setProgress(peer: PeerRecord, params: AnnounceParams): void {
    peer.left = params.left;
    const complete = params.left === 0;
    if (complete === peer.complete) return;
    // A peer seen as a leecher that now has everything finished a download here.
    if (complete) this.totals.completed++;
    peer.complete = complete;
    (complete ? this.leechers : this.seeders).delete(peer);
    (complete ? this.seeders : this.leechers).add(peer);
  }

  private select(self: PeerRecord, numwant: number): PeerRecord[] {
    const out: PeerRecord[] = [];
    const skip = (p: PeerRecord) => p === self;
    if (self.complete) return this.leechers.sample(numwant, skip, out);
    this.seeders.sample(numwant, skip, out);
    return this.leechers.sample(numwant - out.length, skip, out);
  }

  private remove(peer: PeerRecord): void {
    this.peers.delete(peer.key);
    this.seeders.delete(peer);
    this.leechers.delete(peer);
    this.departed.add(peer);
  }

  private response(peers: PeerRecord[]): ServerAnnounceResponse {
    return {
      complete: this.seeders.size,
      incomplete: this.leechers.size,
      interval: this.options.intervalSeconds,
      'min interval': this.options.minIntervalSeconds,
      peers,
    };
  }
}
