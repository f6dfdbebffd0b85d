import { createHash } from 'node:crypto';
import bencode from 'bencode';
import { InvalidInputError } from '../../core/errors.js';
import { parseInfoHash } from '../../core/infohash.js';
import type { IngestRecord } from '../../core/internal-api.js';

/** The infohash of a .torrent: SHA-1 of its bencoded info dict. */
export function torrentInfoHash(torrent: Uint8Array): { infohash: string; info: Record<string, unknown> } {
  let meta: Record<string, unknown>;
  try {
    meta = bencode.decode(torrent);
  } catch {
    throw new InvalidInputError('torrent is not valid bencode');
  }
  const info = meta?.['info'];
  if (!info || typeof info !== 'object') throw new InvalidInputError('torrent has no info dictionary');
  return { infohash: createHash('sha1').update(bencode.encode(info)).digest('hex'), info: info as Record<string, unknown> };
}

/**
 * Check a report before it is recorded: the chunks of each location cover the
 * image exactly, the hashes look like hashes, and the torrent is private and
 * really has the infohash and piece length claimed.
 */
export function validateIngestReport(report: IngestRecord): { torrent: Buffer; infohash: string } {
  if (report.os_hash_algo !== 'sha256' || !/^[0-9a-f]{64}$/.test(report.os_hash_value)) throw new InvalidInputError('os_hash_value must be a lowercase hex SHA-256');
  if (report.checksum != null && !/^[0-9a-f]{32}$/.test(report.checksum)) throw new InvalidInputError('checksum must be a lowercase hex MD5');
  if (report.locations.length === 0) throw new InvalidInputError('At least one location is required');
  for (const location of report.locations) {
    let offset = 0;
    for (const [i, chunk] of location.chunks.entries()) {
      if (chunk.offset !== offset) throw new InvalidInputError(`Chunk ${i} of store ${location.store} starts at ${chunk.offset}, expected ${offset}`);
      if (!/^[0-9a-f]{64}$/.test(chunk.sha256)) throw new InvalidInputError(`Chunk ${i} has no valid sha256`);
      offset += chunk.size;
    }
    if (offset !== report.size) throw new InvalidInputError(`Chunks of store ${location.store} cover ${offset} bytes, the image has ${report.size}`);
  }
  const infohash = parseInfoHash(report.p2p_infohash);
  if (report.p2p_source_infohash != null) parseInfoHash(report.p2p_source_infohash);
  const torrent = Buffer.from(report.torrent, 'base64');
  const { infohash: actual, info } = torrentInfoHash(torrent);
  if (actual !== infohash) throw new InvalidInputError(`torrent infohash is ${actual}, report says ${infohash}`);
  if (info['private'] !== 1) throw new InvalidInputError('torrent must be private (BEP 27)');
  if (info['piece length'] !== report.p2p_piece_length) throw new InvalidInputError('torrent piece length differs from p2p_piece_length');
  if (info['length'] !== report.size) throw new InvalidInputError('torrent length differs from size');
  return { torrent, infohash };
}
