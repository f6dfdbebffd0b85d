import { randomBytes } from 'node:crypto';
import { Transform, pipeline, type Readable } from 'node:stream';
import { TooLargeError } from '../../core/errors.js';
import { HashWorker } from '../../core/hashing/hash-worker.js';
import type { ImageLocation } from '../../core/image.js';
import { writeChunked, type ObjectStore } from '../../stores/index.js';
import { fromStoreError } from '../errors.js';
import { chunkSizeFor, pieceLengthFor } from './piece-plan.js';
import { buildTorrent, torrentName } from './torrent-builder.js';

/** What storing an image produced: everything the registry records. */
export interface StoredImage {
  size: number;
  sha256: string;
  md5: string | null;
  location: ImageLocation;
  pieceLength: number;
  torrent: Buffer;
  infohash: string;
}

/** How to store one image. */
export interface StoreImageJob {
  imageId: string;
  name: string | null;
  source: Readable;
  /** Exact size when known (Content-Length): picks the piece length and is enforced. */
  size?: number;
  maxBytes: number;
  chunkSize: number;
  keyPrefix: string;
  /** Also the whole image's MD5 (Glance's legacy checksum). */
  md5?: boolean;
  signal?: AbortSignal;
  onBytes?: (bytes: number) => void;
}

/**
 * Stream an image into a store in chunks, computing in the same pass the chunk
 * SHA-256s (the chunked writer), and on a hashing thread the whole-image SHA-256,
 * MD5 and the torrent's SHA-1 piece hashes. Then build the private torrent. On any
 * failure nothing stays behind in the store.
 */
export async function storeImage(store: ObjectStore, job: StoreImageJob): Promise<StoredImage> {
  if (job.size !== undefined && job.size > job.maxBytes) throw new TooLargeError(`The image is ${job.size} bytes; the limit is ${job.maxBytes}`);
  const pieceLength = pieceLengthFor(job.size);
  const chunkSize = chunkSizeFor(job.chunkSize, pieceLength);
  // Two hashing threads beside the main one (which moves bytes and may hash for the store):
  // SHA-256 whole and per chunk + SHA-1 pieces on one, MD5 on the other.
  const hasher = new HashWorker({ sha256: true, pieceLength, chunkLength: chunkSize });
  const md5 = job.md5 === false ? undefined : new HashWorker({ md5: true });
  let bytes = 0;
  const tap = new Transform({
    highWaterMark: 4 * 1024 * 1024,
    transform(data: Buffer, _enc, done) {
      bytes += data.length;
      if (bytes > job.maxBytes) return done(new TooLargeError(`The image is larger than the limit of ${job.maxBytes} bytes`));
      job.onBytes?.(bytes);
      const waits = [hasher.update(data), md5?.update(data)].filter(Boolean);
      if (waits.length) Promise.all(waits).then(() => done(null, data), done);
      else done(null, data);
    },
  });
  const source = pipeline(job.source, tap, () => undefined) as unknown as Readable;
  const prefix = `${job.keyPrefix}/${job.imageId}/${randomBytes(4).toString('hex')}`;
  let chunks;
  try {
    chunks = await writeChunked(store, prefix, source, {
      chunkSize,
      hashChunks: false,
      ...(job.size !== undefined ? { size: job.size } : {}),
      ...(job.signal ? { signal: job.signal } : {}),
    });
  } catch (err) {
    hasher.destroy();
    md5?.destroy();
    job.source.destroy();
    throw fromStoreError(err, `storing image ${job.imageId} in store ${store.id}`);
  }
  const [digests, md5Digest] = await Promise.all([hasher.digest(), md5?.digest()]);
  digests.chunks!.forEach((sha256, i) => (chunks[i]!.sha256 = sha256));
  const built = buildTorrent(torrentName(job.name, job.imageId), digests.bytes, pieceLength, digests.pieces!, `glance-p2p:${job.imageId}`);
  return { size: digests.bytes, sha256: digests.sha256!, md5: md5Digest?.md5 ?? null, location: { store: store.id, chunks }, pieceLength, torrent: built.torrent, infohash: built.infohash };
}

/** Remove an image's chunks (after a failure past the store step, or once it was deleted). */
export async function deleteChunks(store: ObjectStore, location: ImageLocation): Promise<void> {
  await Promise.all(
    location.chunks.map(async (chunk) => {
      const key = store.keyOf(chunk.url);
      if (key !== undefined) await store.delete(key);
    }),
  );
}
