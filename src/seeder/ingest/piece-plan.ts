const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * Piece length by image size (DESIGN §5: 4–16 MiB): small enough that a swarm starts
 * trading early, large enough that big images keep a manageable piece count. With the
 * size unknown (a chunked upload) it must be fixed before the first byte: 4 MiB.
 */
export function pieceLengthFor(size: number | undefined): number {
  if (size === undefined || size <= 2 * GiB) return 4 * MiB;
  if (size <= 16 * GiB) return 8 * MiB;
  return 16 * MiB;
}

/** The chunk size to store with: the configured one rounded down to whole pieces (at least one piece). */
export function chunkSizeFor(configured: number, pieceLength: number): number {
  return Math.max(pieceLength, Math.floor(configured / pieceLength) * pieceLength);
}
