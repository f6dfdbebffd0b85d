import { pipeline, type Readable } from 'node:stream';
import type { StoreSet } from '../../stores/index.js';
import type { ImageLayout } from '../verify/image-layout.js';
import { PieceVerifier, alignToPieces } from '../verify/piece-verifier.js';
import { readStoreRange } from './store-range-reader.js';

/**
 * Bytes [start, end) of an image straight from the store, every piece checked against
 * the torrent before its last bytes are let through. Reads whole pieces around the
 * range, since only whole pieces can be verified.
 */
export function verifiedStoreStream(layout: ImageLayout, stores: StoreSet, start: number, end: number, signal?: AbortSignal): Readable {
  const aligned = alignToPieces(layout, start, end);
  const source = readStoreRange(layout, stores, aligned.start, aligned.end, signal);
  const verifier = new PieceVerifier(layout, aligned.start, start, end);
  return pipeline(source, verifier, () => {
    /* errors reach the consumer through the verifier */
  }) as unknown as Readable;
}
