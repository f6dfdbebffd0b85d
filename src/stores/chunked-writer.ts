import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type { Chunk } from '../core/image.js';
import { InvalidArgumentError, StoreAbortedError } from './errors.js';
import type { ObjectStore, ObjectWriter } from './object-store.js';

/** Default chunk size (DESIGN §5): 256 MiB. */
export const DEFAULT_CHUNK_SIZE = 256 * 1024 * 1024;

/** Most chunks one image may have: the suffix has six digits. */
export const MAX_CHUNKS = 1_000_000;

/** How writeChunked splits and reports. */
export interface ChunkedWriteOptions {
  /** Bytes per chunk, a positive integer; every chunk but the last has exactly this size. */
  chunkSize: number;
  /** Total bytes, when known: each chunk is then written with its exact size (S3/Swift send Content-Length). */
  size?: number;
  contentType?: string;
  signal?: AbortSignal;
  /** Called after each accepted piece with the bytes written so far. */
  onProgress?: (bytes: number) => void;
  /**
   * false: skip the chunk SHA-256s (left '') because the caller computes them in the same
   * pass elsewhere (Teller does, on a hashing thread); it must fill them in before use.
   */
  hashChunks?: boolean;
}

/** The key of chunk `index` under `keyPrefix`: `prefix.000000`, `prefix.000001`, … */
export function chunkKey(keyPrefix: string, index: number): string {
  return `${keyPrefix}.${String(index).padStart(6, '0')}`;
}

function checkOptions(options: ChunkedWriteOptions): void {
  const { chunkSize, size } = options;
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0) throw new InvalidArgumentError(`chunk size must be a positive integer, got ${chunkSize}`);
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) throw new InvalidArgumentError(`size must be an integer ≥ 0, got ${size}`);
  if (size !== undefined && Math.ceil(size / chunkSize) > MAX_CHUNKS) throw new InvalidArgumentError(`more than ${MAX_CHUNKS} chunks of ${chunkSize} bytes`);
}

/** The chunk being written: its writer, hash and position. */
interface OpenChunk {
  writer: ObjectWriter;
  hash: Hash | undefined;
  key: string;
  offset: number;
  written: number;
  index: number;
}

/**
 * Streams `source` into `store` as chunks `keyPrefix.000000`, `.000001`, … of `chunkSize`
 * bytes, hashing SHA-256 in the same pass, and returns them in ImageLocation's form.
 * Memory stays flat: it waits for each writer to drain and never gathers a chunk.
 * An empty source gives ONE empty chunk, so every stored image has at least one object to HEAD.
 * On any failure (source, store, abort) it cancels the open chunk, deletes every chunk it
 * committed, and rethrows. Bad options throw InvalidArgumentError before anything is written.
 */
export async function writeChunked(store: ObjectStore, keyPrefix: string, source: Readable, options: ChunkedWriteOptions): Promise<Chunk[]> {
  checkOptions(options);
  const { chunkSize, size, signal } = options;
  const chunks: Chunk[] = [];
  const keys: string[] = [];
  let open: OpenChunk | undefined;
  let total = 0;
  let next = 0;
  // The previous chunk's commit (fsync, rename, the store's last round trip) runs while the
  // next chunk is written; at most one is in flight.
  let committing: Promise<void> = Promise.resolve();

  const openChunk = async (): Promise<OpenChunk> => {
    const index = next++;
    if (index >= MAX_CHUNKS) throw new InvalidArgumentError(`more than ${MAX_CHUNKS} chunks of ${chunkSize} bytes`);
    const key = chunkKey(keyPrefix, index);
    keys.push(key);
    const chunkBytes = size === undefined ? undefined : Math.min(chunkSize, size - total);
    const writer = await store.write(key, { size: chunkBytes, contentType: options.contentType, signal });
    return { writer, hash: options.hashChunks === false ? undefined : createHash('sha256'), key, offset: total, written: 0, index };
  };
  const commit = async (chunk: OpenChunk): Promise<void> => {
    const result = await chunk.writer.commit();
    chunks[chunk.index] = { url: store.locationUrl(chunk.key), offset: chunk.offset, size: result.size, etag: result.etag, sha256: chunk.hash?.digest('hex') ?? '' };
  };
  const startCommit = async (chunk: OpenChunk): Promise<void> => {
    await committing;
    committing = commit(chunk);
    committing.catch(() => undefined);
  };

  try {
    for await (const data of source as AsyncIterable<Buffer>) {
      if (signal?.aborted) throw new StoreAbortedError('chunked write aborted', { cause: signal.reason });
      let buf = typeof data === 'string' ? Buffer.from(data) : data;
      while (buf.length > 0) {
        open ??= await openChunk();
        const piece = buf.subarray(0, chunkSize - open.written);
        buf = buf.subarray(piece.length);
        open.hash?.update(piece);
        open.written += piece.length;
        total += piece.length;
        if (!open.writer.write(piece)) await drained(open.writer);
        // A writer that failed meanwhile: commit() rethrows its error.
        if (open.writer.destroyed) await open.writer.commit();
        options.onProgress?.(total);
        if (open.written === chunkSize) {
          const full = open;
          open = undefined;
          await startCommit(full);
        }
      }
    }
    if (signal?.aborted) throw new StoreAbortedError('chunked write aborted', { cause: signal.reason });
    if (open) {
      const last = open;
      open = undefined;
      await startCommit(last);
    } else if (next === 0) {
      await startCommit(await openChunk());
    }
    await committing;
    return chunks;
  } catch (err) {
    await open?.writer.cancel();
    await committing.catch(() => undefined);
    await Promise.all(keys.map((c) => store.delete(c).catch(() => undefined)));
    throw err;
  }
}

// Waits for room in the writer, or for its failure.
async function drained(writer: ObjectWriter): Promise<void> {
  if (writer.destroyed) return;
  const ac = new AbortController();
  try {
    await Promise.race([once(writer, 'drain', { signal: ac.signal }), once(writer, 'close', { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
}
