import { PieceStore, type ChunkStoreOptions } from '../../swarm/piece-store.js';
import type { ImagePieceSource } from './image-piece-source.js';

/**
 * The piece store Teller hands webtorrent: reads come from an ImagePieceSource
 * (cache or object store, verified); Teller only seeds, so writes are refused.
 */
export class ObjectPieceStore extends PieceStore {
  private readonly source: ImagePieceSource;

  constructor(chunkLength: number, opts: ChunkStoreOptions) {
    super(chunkLength);
    this.source = opts.source as ImagePieceSource;
    if (!this.source) throw new Error('ObjectPieceStore needs storeOpts.source');
  }

  protected pieceLength(index: number): number {
    const { size, pieceLength } = this.source.layout;
    return Math.min(pieceLength, size - index * pieceLength);
  }

  protected async readPiece(index: number, offset: number, length: number): Promise<Uint8Array> {
    const piece = await this.source.piece(index);
    return offset === 0 && length === piece.length ? piece : piece.subarray(offset, offset + length);
  }

  protected async writePiece(): Promise<void> {
    throw new Error('Teller only seeds: it never stores pieces from peers');
  }

  protected async closeStore(): Promise<void> {}
}
