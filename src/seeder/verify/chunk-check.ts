import type { StoreSet } from '../../stores/index.js';
import { ObjectNotFoundError } from '../../stores/index.js';
import { ChunkMismatchError, fromStoreError } from '../errors.js';
import type { ImageLayout } from './image-layout.js';

/** Etags as stores report them may or may not carry quotes; compare the bare value. */
function bare(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/**
 * The seed's check before a cache miss is streamed: HEAD every chunk and compare its
 * size and etag with the registry's record. Missing or different → ChunkMismatchError
 * (502) naming the first bad chunk. Runs the HEADs in parallel, a few at a time.
 */
export async function checkChunks(layout: ImageLayout, stores: StoreSet, parallel = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < layout.chunks.length) {
      const index = next++;
      const chunk = layout.chunks[index]!;
      const { store, key } = stores.resolve(chunk.url, layout.storeId);
      let info;
      try {
        info = await store.head(key);
      } catch (err) {
        if (err instanceof ObjectNotFoundError) throw new ChunkMismatchError(`Chunk ${index} of image ${layout.imageId} is missing in store ${layout.storeId}`, { chunk: index, url: chunk.url, reason: 'missing' });
        throw fromStoreError(err, `HEAD of chunk ${index}`);
      }
      if (info.size !== chunk.size) {
        throw new ChunkMismatchError(`Chunk ${index} of image ${layout.imageId} has ${info.size} bytes, the registry recorded ${chunk.size}`, { chunk: index, url: chunk.url, reason: 'size', expected: chunk.size, actual: info.size });
      }
      if (bare(info.etag) !== bare(chunk.etag)) {
        throw new ChunkMismatchError(`Chunk ${index} of image ${layout.imageId} changed in the store (etag ${info.etag}, recorded ${chunk.etag})`, { chunk: index, url: chunk.url, reason: 'etag', expected: chunk.etag, actual: info.etag });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, layout.chunks.length) }, worker));
}
