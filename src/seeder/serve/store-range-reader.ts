import { Readable } from 'node:stream';
import type { StoreSet } from '../../stores/index.js';
import { fromStoreError } from '../errors.js';
import type { ImageLayout } from '../verify/image-layout.js';

/**
 * The image's bytes [start, end) read straight from its chunks, joined into one
 * stream (the seed's "seamlessly concatenated"). Each chunk is a ranged read, so a
 * range or a piece costs one request to the store.
 */
export function readStoreRange(layout: ImageLayout, stores: StoreSet, start: number, end: number, signal?: AbortSignal): Readable {
  async function* bytes(): AsyncGenerator<Buffer> {
    for (const chunk of layout.chunks) {
      const chunkEnd = chunk.offset + chunk.size;
      if (chunkEnd <= start || chunk.offset >= end) continue;
      const from = Math.max(start, chunk.offset) - chunk.offset;
      const to = Math.min(end, chunkEnd) - chunk.offset;
      const { store, key } = stores.resolve(chunk.url, layout.storeId);
      let stream;
      try {
        stream = await store.read(key, { offset: from, length: to - from, ...(signal ? { signal } : {}) });
      } catch (err) {
        throw fromStoreError(err, `reading chunk ${layout.chunks.indexOf(chunk)} of image ${layout.imageId}`);
      }
      try {
        for await (const data of stream as AsyncIterable<Buffer>) yield data;
      } catch (err) {
        throw fromStoreError(err, `reading chunk ${layout.chunks.indexOf(chunk)} of image ${layout.imageId}`);
      }
    }
  }
  return Readable.from(bytes(), { objectMode: false, highWaterMark: 4 * 1024 * 1024 });
}
