import WebTorrent, { type Torrent, type Wire } from 'webtorrent';
import type { Logger } from '../core/logger.js';
import { preferOwnPartialPieces } from './partial-pieces-first.js';
import { pipePeersDirectly } from './direct-pipes.js';
import { PeerGuard } from './peer-guard.js';
import { coalesceRequestUpdates } from './request-scheduler.js';
import { releaseStalledRequests } from './stalled-requests.js';
import { seedSparingly } from './sparse-seeding.js';
import type { ChunkStoreConstructor } from './piece-store.js';
import { TransferStats, type TransferCounts } from './transfer-stats.js';
import { joinReadsLazily } from './lazy-join.js';
import { limitIncoming, limitWires } from './wire-limits.js';

/** How a swarm client behaves. */
export interface SwarmClientOptions {
  /** TCP port for peer connections (0: any free one). */
  port?: number;
  /** Connections per torrent (webtorrent's default is 55). */
  maxConns?: number;
  /** Cap on bytes/s sent to peers, all torrents together (an origin's egress budget); none by default. */
  uploadLimit?: number;
  /**
   * Most block requests outstanding per peer (16 KiB each). webtorrent asks for a second's worth
   * at the current speed, unbounded unless the peer announces `reqq`: on a fast link that keeps
   * dozens of pieces half-assembled in memory. 64 blocks (1 MiB) still covers any link's
   * bandwidth-delay product here.
   */
  maxRequestsPerPeer?: number;
  log: Logger;
}

/** Make webtorrent keep at most `cap` requests outstanding to this peer (it honours the peer's reqq). */
function capRequests(wire: Wire, cap: number): void {
  const ext = wire as Wire & { peerExtendedHandshake?: { reqq?: number } };
  const apply = () => {
    ext.peerExtendedHandshake ??= {};
    const reqq = ext.peerExtendedHandshake.reqq;
    ext.peerExtendedHandshake.reqq = typeof reqq === 'number' && reqq > 0 ? Math.min(reqq, cap) : cap;
  };
  apply();
  wire.on('extended', (ext: string) => {
    if (ext === 'handshake') apply();
  });
}

/** A client's bytes over all its torrents since start, removed ones included, and the peers it banned. */
export type SwarmTotals = TransferCounts & { peersBanned: number };

/** One torrent in a swarm client, with our own accounting and peer bans. */
export interface SwarmTorrent {
  torrent: Torrent;
  stats: TransferStats;
  guard: PeerGuard;
}

/** How to add a torrent. */
export interface SwarmAddOptions {
  store: ChunkStoreConstructor;
  storeOpts?: Record<string, unknown>;
  /** Seed without reading: every piece is taken as present (Teller, whose pieces are checked on read). */
  skipVerify?: boolean;
  /** Pieces webtorrent keeps in memory in front of the store (0 for a local file: the page cache does it). */
  storeCacheSlots?: number;
  /** A seed holding every piece: show each peer this many pieces at a time (sparse seeding; 0 or unset: all of them). */
  offerWindow?: number;
  onBan?: (peer: string, reason: string) => void;
  onUpload?: (bytes: number) => void;
}

/**
 * The BitTorrent client both Teller and the agent run: webtorrent set up for
 * private swarms (no DHT, LSD, PEX, UPnP or NAT-PMP; plaintext, so peers that do
 * not encrypt can talk to it; TCP only), rarest-first, with bans of peers that send
 * bad pieces or go past a connection's limits, and byte counts split by source. The piece store is injected: the
 * swarm code never knows about object stores or files.
 */
export class SwarmClient {
  readonly wt: WebTorrent;
  /** Bytes over all torrents since start (removed ones included), and peers banned: for /metrics. */
  readonly totals: SwarmTotals = { fromPeers: 0, fromWebSeeds: 0, uploaded: 0, peersBanned: 0 };
  private readonly listening: Promise<number>;
  private readonly guards = new Map<string, PeerGuard>();

  constructor(private readonly opts: SwarmClientOptions) {
    pipePeersDirectly();
    limitWires();
    joinReadsLazily();
    this.wt = new WebTorrent({
      dht: false,
      lsd: false,
      utPex: false,
      natUpnp: false,
      natPmp: false,
      utp: false,
      secure: 0,
      torrentPort: opts.port ?? 0,
      maxConns: opts.maxConns ?? 55,
      ...(opts.uploadLimit ? { uploadLimit: opts.uploadLimit } : {}),
      tracker: {},
    });
    this.wt.on('error', (err: Error) => opts.log.error({ err }, 'swarm client error'));
    limitIncoming(this.wt, opts.maxConns ?? 55);
    this.listening = new Promise((resolve, reject) => {
      if (this.wt.listening) return resolve(this.port());
      this.wt.once('listening', () => resolve(this.port()));
      this.wt.once('error', reject);
    });
  }

  /** The TCP port peers reach us on, once listening. */
  ready(): Promise<number> {
    return this.listening;
  }

  private port(): number {
    return this.wt.address()?.port ?? this.wt.torrentPort;
  }

  /** Add a torrent (a .torrent file with its announce URLs); resolves once it is ready. */
  add(torrentFile: Uint8Array, options: SwarmAddOptions): Promise<SwarmTorrent> {
    return new Promise((resolve, reject) => {
      const torrent = this.wt.add(torrentFile, {
        store: options.store,
        storeOpts: options.storeOpts ?? {},
        storeCacheSlots: options.storeCacheSlots ?? 0,
        skipVerify: options.skipVerify ?? false,
        strategy: 'rarest',
        destroyStoreOnDestroy: false,
      });
      coalesceRequestUpdates(torrent);
      releaseStalledRequests(torrent);
      const stats = new TransferStats(torrent, options.onUpload, this.totals);
      const cap = this.opts.maxRequestsPerPeer ?? 64;
      torrent.on('wire', (wire: Wire) => {
        capRequests(wire, cap);
        // webtorrent drops a peer that leaves a block request unanswered for 30 s (stalled requests are released well before)
        wire.on('timeout', () => this.opts.log.warn({ infohash: torrent.infoHash, peer: `${wire.remoteAddress}:${wire.remotePort}` }, 'peer left a block request unanswered for 30 s; dropped it'));
      });
      preferOwnPartialPieces(torrent);
      if (options.offerWindow) seedSparingly(torrent, options.offerWindow);
      const guard = new PeerGuard(torrent, (peer, reason) => {
        this.totals.peersBanned++;
        this.opts.log.warn({ infohash: torrent.infoHash, peer, reason }, 'banned a peer');
        options.onBan?.(peer, reason);
      });
      torrent.on('warning', (w: Error | string) => this.opts.log.debug({ infohash: torrent.infoHash, warning: String((w as Error)?.message ?? w) }, 'swarm warning'));
      const onError = (err: Error) => reject(err);
      torrent.once('error', onError);
      torrent.once('ready', () => {
        torrent.off('error', onError);
        torrent.on('error', (err: Error) => this.opts.log.error({ err, infohash: torrent.infoHash }, 'torrent error'));
        this.guards.set(torrent.infoHash, guard);
        resolve({ torrent, stats, guard });
      });
    });
  }

  /** Peers banned from a torrent for sending bad pieces. */
  banned(infohash: string): string[] {
    return [...(this.guards.get(infohash)?.banned ?? [])];
  }

  /** Stop a torrent (its store is closed, its data kept). */
  async remove(infohash: string): Promise<void> {
    this.guards.delete(infohash);
    const torrent = this.wt.torrents.find((t) => t.infoHash === infohash);
    if (!torrent) return;
    await new Promise<void>((resolve) => torrent.destroy({ destroyStore: false }, () => resolve()));
  }

  /** Infohashes of the torrents held. */
  infohashes(): string[] {
    return this.wt.torrents.map((t) => t.infoHash);
  }

  /** Close every connection and torrent. */
  destroy(): Promise<void> {
    return new Promise((resolve) => this.wt.destroy(() => resolve()));
  }
}
