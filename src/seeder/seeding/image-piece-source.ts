import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { StoreSet } from '../../stores/index.js';
import type { ImageCache } from '../cache/image-cache.js';
import { CorruptDataError } from '../errors.js';
import type { CorruptPieces } from '../verify/corrupt-pieces.js';
import { readStoreRange } from '../serve/store-range-reader.js';
import { pieceHash, type ImageLayout } from '../verify/image-layout.js';

/**
 * Whole, verified pieces of one image for seeding: from Teller's cache when the
 * image is there, otherwise one ranged read from the object store (a piece lies in
 * one chunk), checked against the torrent before it goes to any peer. Concurrent
 * requests for one piece share one read; a piece found corrupt is refused without
 * reading it again for as long as `corrupt` remembers it.
 */
export class ImagePieceSource {
  private readonly inFlight = new Map<number, Promise<Buffer>>();

  constructor(
    readonly layout: ImageLayout,
    private readonly stores: StoreSet,
    private readonly cache: ImageCache,
    private readonly corrupt: CorruptPieces,
    private readonly onStoreRead: (bytes: number) => void = () => undefined,
  ) {}

  /** Piece `index`, verified. */
  piece(index: number): Promise<Buffer> {
    let pending = this.inFlight.get(index);
    if (!pending) {
      const sha256 = this.layout.sha256;
      pending = (async () => {
        this.corrupt.check(sha256, index, index);
        try {
          return await this.load(index);
        } catch (err) {
          this.corrupt.note(sha256, err);
          throw err;
        }
      })().finally(() => this.inFlight.delete(index));
      this.inFlight.set(index, pending);
    }
    return pending;
  }

  private async load(index: number): Promise<Buffer> {
    const { layout } = this;
    const start = index * layout.pieceLength;
    const length = Math.min(layout.pieceLength, layout.size - start);
    const entry = this.cache.lookup(layout.sha256);
    let buf: Buffer;
    if (entry) {
      const fh = await open(entry.path, 'r');
      try {
        buf = Buffer.allocUnsafe(length);
        await fh.read(buf, 0, length, start);
      } finally {
        await fh.close();
      }
    } else {
      const parts: Buffer[] = [];
      for await (const part of readStoreRange(layout, this.stores, start, start + length) as AsyncIterable<Buffer>) parts.push(part);
      buf = Buffer.concat(parts, length);
      this.onStoreRead(length);
    }
    if (!createHash('sha1').update(buf).digest().equals(pieceHash(layout, index))) {
      throw new CorruptDataError(`Piece ${index} of image ${layout.imageId} read from store ${layout.storeId} does not match its hash`, { piece: index });
    }
    return buf;
  }
}
