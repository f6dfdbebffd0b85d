import bencode from 'bencode';
import { BadGatewayError, ConflictError } from '../../core/errors.js';
import type { Chunk } from '../../core/image.js';
import type { ServiceImage } from '../registry-gateway.js';

/**
 * Everything needed to read and verify one image's bytes: its chunks in one store,
 * its size and SHA-256, and the torrent's piece length and SHA-1 piece hashes.
 */
export interface ImageLayout {
  imageId: string;
  size: number;
  sha256: string;
  md5: string | null;
  storeId: string;
  chunks: Chunk[];
  pieceLength: number;
  /** 20-byte SHA-1 of each piece, concatenated. */
  pieces: Buffer;
}

/** Number of pieces of a layout. */
export function pieceCount(layout: Pick<ImageLayout, 'size' | 'pieceLength'>): number {
  return Math.ceil(layout.size / layout.pieceLength);
}

/** The expected SHA-1 of piece `index`. */
export function pieceHash(layout: ImageLayout, index: number): Buffer {
  return layout.pieces.subarray(index * 20, index * 20 + 20);
}

/** Read the piece length and hashes out of a .torrent. */
export function torrentPieces(torrent: Uint8Array): { pieceLength: number; pieces: Buffer; length: number } {
  const meta = bencode.decode(torrent);
  const info = meta?.info;
  if (!info || typeof info['piece length'] !== 'number' || !(info.pieces instanceof Uint8Array)) throw new BadGatewayError('The image torrent has no usable piece hashes');
  return { pieceLength: info['piece length'], pieces: Buffer.from(info.pieces), length: Number(info.length) };
}

/** Build the layout from the registry's record and the torrent's pieces, choosing the first location whose store Teller has. */
export function imageLayout(image: ServiceImage, hasStore: (id: string) => boolean, torrent: { pieceLength: number; pieces: Buffer; length: number }): ImageLayout {
  if (image.size === null || !image.os_hash_value) throw new ConflictError(`Image ${image.id} has no data (status ${image.status})`);
  const location = image.locations.find((l) => hasStore(l.store));
  if (!location) throw new BadGatewayError(`None of the stores holding image ${image.id} (${image.locations.map((l) => l.store).join(', ') || 'none'}) is configured on this Teller`);
  const { pieceLength, pieces, length } = torrent;
  if (length !== image.size || pieces.length !== Math.ceil(image.size / pieceLength) * 20) throw new BadGatewayError(`The torrent of image ${image.id} does not match its size`);
  return { imageId: image.id, size: image.size, sha256: image.os_hash_value, md5: image.checksum, storeId: location.store, chunks: location.chunks, pieceLength, pieces };
}
