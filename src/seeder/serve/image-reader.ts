import type { Readable } from 'node:stream';
import type { Logger } from '../../core/logger.js';
import type { StoreSet } from '../../stores/index.js';
import { CacheFill } from '../cache/cache-fill.js';
import type { ImageCache } from '../cache/image-cache.js';
import type { SeederMetrics } from '../metrics.js';
import type { RegistryGateway, ServiceImage } from '../registry-gateway.js';
import { checkChunks } from '../verify/chunk-check.js';
import type { CorruptPieces } from '../verify/corrupt-pieces.js';
import { imageLayout, torrentPieces, type ImageLayout } from '../verify/image-layout.js';
import type { ByteRange } from './range.js';
import { verifiedStoreStream } from './verified-store-stream.js';

/** Where a response's bytes come from. */
export type ByteSource = 'cache' | 'fill' | 'store';

/** What to send: a committed cache file or a running fill (both sent with reused buffers), or a verified store stream. */
export type ByteSupply = { source: 'cache'; path: string } | { source: 'fill'; fill: CacheFill } | { source: 'store'; stream: Readable };

/**
 * Picks the source of an image's bytes, after the seed's flow: a committed cache entry;
 * otherwise the chunks are HEAD-checked and either a cache fill is started (or joined:
 * one store read for any number of concurrent misses) or, when the image cannot be
 * cached or a range lies beyond what the fill has verified, verified pieces are read
 * straight from the store. Pieces found corrupt in the store are refused for a while
 * without reading them again (`corrupt`, shared with seeding).
 */
export class ImageReader {
  private readonly fills = new Map<string, Promise<CacheFill | undefined>>();
  private readonly pieceInfo = new Map<string, { pieceLength: number; pieces: Buffer; length: number }>();

  constructor(
    private readonly gateway: RegistryGateway,
    private readonly stores: StoreSet,
    private readonly cache: ImageCache,
    private readonly metrics: SeederMetrics,
    private readonly log: Logger,
    readonly corrupt: CorruptPieces,
  ) {}

  /** The layout (chunks + piece hashes) of an active image; piece hashes are fetched once per image. */
  async layout(image: ServiceImage): Promise<ImageLayout> {
    let info = this.pieceInfo.get(image.id);
    if (!info) {
      info = torrentPieces(await this.gateway.torrent(image.id));
      if (this.pieceInfo.size >= 1024) this.pieceInfo.delete(this.pieceInfo.keys().next().value!);
      this.pieceInfo.set(image.id, info);
    }
    const known = new Set(this.stores.ids());
    return imageLayout(image, (id) => known.has(id), info);
  }

  /** Where [range) of the image comes from: the cache file, a fill to follow, or the store. */
  async open(layout: ImageLayout, range: ByteRange): Promise<ByteSupply> {
    const entry = this.cache.lookup(layout.sha256);
    if (entry) return { source: 'cache', path: entry.path };
    this.refuseKnownCorrupt(layout, range);
    // a fill that failed a moment ago is no source (its readers were cut; this one reads the store)
    const fill = await this.fill(layout).then((f) => (f?.state === 'failed' ? undefined : f));
    if (fill && (fill.verified >= range.end || (range.start === 0 && range.end === layout.size) || fill.state === 'committed')) {
      return { source: 'fill', fill };
    }
    if (!fill) await checkChunks(layout, this.stores);
    const stream = verifiedStoreStream(layout, this.stores, range.start, range.end);
    stream.once('error', (err) => this.corrupt.note(layout.sha256, err));
    return { source: 'store', stream };
  }

  /**
   * The checks a GET of [range) makes before its first byte, without reading any (HEAD):
   * a committed or running cache entry is fine; otherwise pieces known to be corrupt are
   * refused and every chunk is HEAD-checked in its store (502 naming a missing or changed one).
   */
  async check(layout: ImageLayout, range: ByteRange): Promise<void> {
    if (this.cache.lookup(layout.sha256)) return;
    this.refuseKnownCorrupt(layout, range);
    // a fill still being set up has not checked the chunks yet: wait for it (its failure is ours)
    const fill = await this.fills.get(layout.sha256);
    if (fill && fill.state !== 'failed') return;
    await checkChunks(layout, this.stores);
  }

  /** A 502 at once when [range) holds a piece found corrupt in the store a moment ago. */
  private refuseKnownCorrupt(layout: ImageLayout, range: ByteRange): void {
    if (range.end > range.start) this.corrupt.check(layout.sha256, Math.floor(range.start / layout.pieceLength), Math.floor((range.end - 1) / layout.pieceLength));
  }

  /** The running fill for this image, starting one (after the chunk check) if the cache can take it. */
  private fill(layout: ImageLayout): Promise<CacheFill | undefined> {
    if (!this.cache.enabled || layout.size > this.cache.maxBytes) return Promise.resolve(undefined);
    let pending = this.fills.get(layout.sha256);
    if (!pending) {
      pending = this.startFill(layout);
      this.fills.set(layout.sha256, pending);
      const forget = () => this.fills.delete(layout.sha256);
      pending.then((fill) => (fill ? fill.done.then(forget) : forget()), forget);
    }
    return pending;
  }

  private async startFill(layout: ImageLayout): Promise<CacheFill | undefined> {
    await checkChunks(layout, this.stores);
    if (!(await this.cache.reserve(layout.size))) return undefined;
    const fill = new CacheFill(layout, this.stores, this.cache, this.log);
    void fill.done.then(() => {
      if (fill.state === 'failed') this.corrupt.note(layout.sha256, fill.error);
      this.metrics.cacheFills.inc({ outcome: fill.state });
      this.metrics.cacheBytes.set(this.cache.stats().usedBytes);
    });
    return fill;
  }

  /** Forget everything about an image (purge on delete or deactivate). */
  async forget(imageId: string, sha256: string | null): Promise<void> {
    this.pieceInfo.delete(imageId);
    if (sha256) {
      this.corrupt.forget(sha256);
      await this.cache.remove(sha256);
    }
  }
}
