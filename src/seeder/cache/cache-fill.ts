import { EventEmitter } from 'node:events';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { HashWorker } from '../../core/hashing/hash-worker.js';
import type { Logger } from '../../core/logger.js';
import { writevFully } from '../../core/write-fully.js';
import type { StoreSet } from '../../stores/index.js';
import { CorruptDataError } from '../errors.js';
import { readStoreRange } from '../serve/store-range-reader.js';
import { pieceCount, pieceHash, type ImageLayout } from '../verify/image-layout.js';
import type { ImageCache } from './image-cache.js';

/** Where a fill stands. */
export type FillState = 'running' | 'committed' | 'failed';

const WRITE_BLOCK = 1024 * 1024;
const MAX_QUEUED_WRITES = 16 * 1024 * 1024;

/**
 * One read of an image from its store into the cache, shared by every concurrent
 * reader (single flight). Bytes go to a partial file and to a hashing thread; the
 * `verified` watermark moves forward piece by piece as each piece's SHA-1 matches
 * the torrent, and readers never read past it. Its last byte comes only once the
 * whole-image SHA-256 matched, and only then is the entry committed. A fill never depends on its
 * readers: it goes on when they disconnect. Events: 'progress', 'committed', 'failed'.
 */
export class CacheFill extends EventEmitter {
  state: FillState = 'running';
  error: Error | undefined;
  /** Bytes from 0 that are on disk and verified. */
  verified = 0;
  /** The file to read: the partial file, then the committed entry. */
  path: string;
  readonly done: Promise<void>;
  private written = 0;
  private piecesVerified = 0;

  constructor(
    readonly layout: ImageLayout,
    private readonly stores: StoreSet,
    private readonly cache: ImageCache,
    private readonly log: Logger,
  ) {
    super();
    this.setMaxListeners(0);
    this.path = cache.partialPath(layout.sha256);
    this.done = this.run().catch(() => undefined);
  }

  /** Reads the store once, writes and verifies; the promise settles when the fill ends. */
  private async run(): Promise<void> {
    const { layout } = this;
    const started = Date.now();
    let file: FileHandle | undefined;
    const abort = new AbortController();
    let corrupt: Error | undefined;
    // Writes run behind the store read (one at a time, in order) instead of stalling it.
    // A failed write stops the read; the chain itself never rejects.
    let writes: Promise<void> = Promise.resolve();
    let writeFailure: Error | undefined;
    const hasher = new HashWorker({ sha256: true, pieceLength: layout.pieceLength }, (index, sha1) => {
      if (corrupt) return;
      if (index !== this.piecesVerified || !sha1.equals(pieceHash(layout, index))) {
        corrupt ??= new CorruptDataError(`Piece ${index} of image ${layout.imageId} read from store ${layout.storeId} does not match its hash`, { piece: index });
        abort.abort(corrupt);
        return;
      }
      this.piecesVerified = index + 1;
      this.advance();
    });
    try {
      file = await open(this.path, 'wx');
      const fh = file;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let queued = 0;
      let position = 0;
      // Gathered blocks go out in one writev: no concatenation, no extra garbage.
      const flush = () => {
        if (pendingBytes === 0) return;
        const blocks = pending;
        const bytes = pendingBytes;
        const at = position;
        pending = [];
        pendingBytes = 0;
        position += bytes;
        queued += bytes;
        writes = writes.then(async () => {
          if (writeFailure) return;
          await writevFully(fh, blocks, bytes, at);
          queued -= bytes;
          this.written += bytes;
          this.advance();
        }).catch((err: unknown) => {
          writeFailure ??= err as Error;
          abort.abort(writeFailure);
        });
      };
      for await (const data of readStoreRange(layout, this.stores, 0, layout.size, abort.signal) as AsyncIterable<Buffer>) {
        if (corrupt) throw corrupt;
        const wait = hasher.update(data);
        pending.push(data);
        pendingBytes += data.length;
        if (pendingBytes >= WRITE_BLOCK) flush();
        if (queued > MAX_QUEUED_WRITES) await writes;
        if (wait) await wait;
      }
      flush();
      await writes;
      if (writeFailure) throw writeFailure;
      const digests = await hasher.digest();
      if (corrupt) throw corrupt;
      if (digests.bytes !== layout.size) throw new CorruptDataError(`Image ${layout.imageId}: store gave ${digests.bytes} bytes, expected ${layout.size}`, {});
      if (digests.sha256 !== layout.sha256) throw new CorruptDataError(`Image ${layout.imageId} read from store ${layout.storeId} does not match its SHA-256`, { sha256: layout.sha256 });
      if (this.piecesVerified !== pieceCount(layout)) throw new CorruptDataError(`Image ${layout.imageId}: not every piece verified`, {});
      // every byte is proven: readers get the last one now, not after the rename below
      this.verified = layout.size;
      this.emit('progress', layout.size);
      await file.close();
      file = undefined;
      const entry = await this.cache.commit(layout.sha256, this.path, layout.size);
      this.path = entry.path;
      this.verified = layout.size;
      this.state = 'committed';
      this.log.info({ imageId: layout.imageId, bytes: layout.size, seconds: (Date.now() - started) / 1000 }, 'cache fill committed');
      this.emit('committed');
    } catch (err) {
      hasher.destroy();
      const error = corrupt ?? writeFailure ?? (err as Error);
      this.state = 'failed';
      this.error = error;
      await writes; // no write may hit a closed file
      await file?.close().catch(() => undefined);
      await unlink(this.path).catch(() => undefined);
      this.cache.release(layout.size);
      this.log.warn({ imageId: layout.imageId, err: error }, 'cache fill failed; nothing cached');
      this.emit('failed', error);
      throw error;
    }
  }

  private advance(): void {
    // The last byte waits for the whole-image SHA-256 (checked at the end of run): a reader that follows
    // the fill never gets a complete image that fails it, even when every piece's SHA-1 matched.
    const next = Math.min(this.written, this.piecesVerified * this.layout.pieceLength, this.layout.size - 1);
    if (next > this.verified) {
      this.verified = next;
      this.emit('progress', next);
    }
  }
}
