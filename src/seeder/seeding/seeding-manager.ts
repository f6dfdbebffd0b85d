import { isErrorKind } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { StoreSet } from '../../stores/index.js';
import { SwarmClient } from '../../swarm/swarm-client.js';
import type { ImageCache } from '../cache/image-cache.js';
import type { SeederConfig } from '../config.js';
import type { SeederMetrics } from '../metrics.js';
import type { RegistryGateway, SwarmInfo } from '../registry-gateway.js';
import type { RegistryWatch } from '../registry-watch.js';
import type { ImageReader } from '../serve/image-reader.js';
import { ImagePieceSource } from './image-piece-source.js';
import { ObjectPieceStore } from './object-piece-store.js';

/** What seeding needs from the rest of Teller. */
export interface SeedingDeps {
  config: SeederConfig['seeding'];
  watch: RegistryWatch;
  gateway: RegistryGateway;
  reader: ImageReader;
  stores: StoreSet;
  cache: ImageCache;
  metrics: SeederMetrics;
  log: Logger;
}

/**
 * Seeds active images over BitTorrent: every one, or the `max_torrents` most
 * wanted (most recently asked for over HTTP or newly active). An image is seeded as
 * soon as the registry reports it active and dropped when it is deactivated or
 * deleted. Pieces come from the cache or the object store (ObjectPieceStore), so
 * Teller seeds images larger than its disk without reading them first.
 */
export class SeedingManager {
  readonly swarm: SwarmClient;
  private readonly seeded = new Map<string, string>(); // image id → infohash
  private readonly wanted = new Map<string, number>(); // image id → last demand
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: SeedingDeps) {
    this.swarm = new SwarmClient({ port: deps.config.port, maxConns: deps.config.max_conns, uploadLimit: deps.config.upload_limit, log: deps.log });
  }

  /** Follow the registry's active images. */
  start(): void {
    this.deps.watch.on('added', (swarm: SwarmInfo) => {
      this.wanted.set(swarm.image_id, Date.now());
      this.reconcile();
    });
    this.deps.watch.on('removed', (swarm: SwarmInfo) => {
      this.wanted.delete(swarm.image_id);
      this.reconcile();
    });
  }

  /** Note HTTP demand for an image (it ranks it among the most wanted). */
  noteDemand(imageId: string): void {
    if (!this.deps.watch.active.has(imageId)) return;
    const before = this.wanted.get(imageId);
    this.wanted.set(imageId, Date.now());
    if (this.deps.config.max_torrents > 0 && !this.seeded.has(imageId) && before !== undefined) this.reconcile();
  }

  /** Image ids seeded right now. */
  seededImages(): string[] {
    return [...this.seeded.keys()];
  }

  private target(): Set<string> {
    const active = [...this.deps.watch.active.keys()];
    const max = this.deps.config.max_torrents;
    if (max === 0 || active.length <= max) return new Set(active);
    return new Set(active.sort((a, b) => (this.wanted.get(b) ?? 0) - (this.wanted.get(a) ?? 0)).slice(0, max));
  }

  /** Bring the seeded set to the target one change at a time (calls are queued). */
  private reconcile(): void {
    this.queue = this.queue.then(async () => {
      const target = this.target();
      for (const [imageId, infohash] of this.seeded) {
        if (target.has(imageId)) continue;
        this.seeded.delete(imageId);
        await this.swarm.remove(infohash);
        this.deps.log.info({ imageId, infohash }, 'stopped seeding');
      }
      for (const imageId of target) if (!this.seeded.has(imageId)) await this.seed(imageId);
      this.deps.metrics.seedingTorrents.set(this.seeded.size);
    });
  }

  private async seed(imageId: string): Promise<void> {
    try {
      const image = await this.deps.gateway.image(imageId);
      const layout = await this.deps.reader.layout(image);
      const torrentFile = await this.deps.gateway.torrent(imageId);
      const source = new ImagePieceSource(layout, this.deps.stores, this.deps.cache, this.deps.reader.corrupt, (bytes) => this.deps.metrics.seedStoreBytes.inc(bytes));
      const { torrent } = await this.swarm.add(torrentFile, {
        store: ObjectPieceStore,
        storeOpts: { source },
        skipVerify: true,
        storeCacheSlots: this.deps.config.piece_cache_slots,
        offerWindow: this.deps.config.offer_window,
        onUpload: (bytes) => this.deps.metrics.seededBytes.inc(bytes),
        onBan: () => this.deps.metrics.peersBanned.inc(),
      });
      this.seeded.set(imageId, torrent.infoHash);
      this.deps.log.info({ imageId, infohash: torrent.infoHash }, 'seeding');
    } catch (err) {
      // deleted or deactivated since the watch saw it: the next poll drops it
      if (isErrorKind(err, 'not_found')) this.deps.log.debug({ imageId }, 'image gone before seeding started');
      else this.deps.log.warn({ imageId, err }, 'cannot seed image');
    }
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.swarm.destroy();
  }
}
