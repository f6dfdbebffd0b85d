import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Logger } from '../../core/logger.js';
import { PeerGuard, wireKey } from '../../swarm/peer-guard.js';
import { TransferStats } from '../../swarm/transfer-stats.js';
import type { ImportTorrent, ImportWire } from './import-torrent.js';
import { pieceRangeStream } from './piece-range-stream.js';
import { waitForMetadata } from './metadata-wait.js';

/** Tracker and discovery warnings kept for the failure reason. */
const MAX_WARNINGS = 5;

/** A warning as text, with the network error code undici hides in `cause` ("fetch failed (ECONNREFUSED)"). */
function describe(w: Error | string): string {
  if (typeof w === 'string') return w;
  const code = (w.cause as { code?: string } | undefined)?.code;
  return code ? `${w.message} (${code})` : w.message;
}

/**
 * One torrent Teller is pulling in, with what a failure reason needs to say: which
 * peers were seen, which sent metadata that does not hash to the infohash (they are
 * cut off and kept out), and what the trackers answered. Its download lives in one
 * temp file that `close()` deletes.
 */
export class JoinedTorrent {
  readonly stats: TransferStats;
  readonly guard: PeerGuard;
  readonly peersSeen = new Set<string>();
  readonly badMetadataPeers = new Set<string>();
  readonly warnings: string[] = [];
  /** Last time bytes arrived or a piece verified (for the stall check). */
  lastActivity = Date.now();
  error: Error | undefined;
  private users = 1;

  constructor(
    readonly torrent: ImportTorrent,
    readonly infohash: string,
    private readonly file: string,
    private readonly log: Logger,
    private readonly onGone: () => void = () => undefined,
  ) {
    this.stats = new TransferStats(torrent);
    this.guard = new PeerGuard(torrent, (peer, reason) => log.warn({ infohash, peer, reason }, 'import: banned a peer'));
    torrent.on('wire', (wire: ImportWire) => this.watch(wire));
    torrent.on('warning', (w: Error | string) => this.note(describe(w)));
    torrent.on('download', () => (this.lastActivity = Date.now()));
    torrent.on('verified', () => (this.lastActivity = Date.now()));
    torrent.on('error', (err: Error) => (this.error ??= err));
  }

  private watch(wire: ImportWire): void {
    this.peersSeen.add(`${wire.remoteAddress}:${wire.remotePort}`);
    // ut_metadata re-asks a few times, then warns: the peer's metadata never hashed to the infohash
    wire.ut_metadata?.on('warning', (err) => {
      if (!/invalid metadata/i.test(err.message)) return;
      const address = `${wire.remoteAddress}:${wire.remotePort}`;
      this.badMetadataPeers.add(address);
      this.guard.banned.add(address).add(wireKey(wire));
      this.log.warn({ infohash: this.infohash, peer: address }, 'import: refused a peer whose metadata does not match the infohash');
      try {
        this.torrent.removePeer(address);
      } finally {
        wire.destroy();
      }
    });
  }

  private note(warning: string): void {
    if (this.warnings.includes(warning)) return;
    this.warnings.push(warning);
    if (this.warnings.length > MAX_WARNINGS) this.warnings.shift();
  }

  /** Peers connected now. */
  peers(): number {
    return this.torrent.destroyed ? 0 : this.torrent.numPeers;
  }

  /** Wait for the metadata (and the store behind it); typed errors say why it did not come. */
  ready(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return waitForMetadata(this, timeoutMs, signal);
  }

  /** Verified bytes [offset, offset + length) of the torrent, in order, as they arrive. */
  range(offset: number, length: number): Readable {
    return pieceRangeStream(this.torrent, offset, length);
  }

  /** One more import uses this torrent (two images from one torrent at once share the download). */
  retain(): this {
    this.users++;
    return this;
  }

  /** Done with it: the last user leaves the swarm and deletes the download. */
  async close(): Promise<void> {
    if (--this.users > 0) return;
    this.onGone();
    if (!this.torrent.destroyed) await new Promise<void>((resolve) => this.torrent.destroy({ destroyStore: true }, () => resolve()));
    await rm(this.file, { force: true });
  }
}
