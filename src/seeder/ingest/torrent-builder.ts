import { createHash } from 'node:crypto';
import bencode from 'bencode';

/** A private (BEP 27) single-file torrent and its infohash. */
export interface BuiltTorrent {
  torrent: Buffer;
  infohash: string;
}

/** A file name for the torrent: the image name made safe, or its id. */
export function torrentName(name: string | null, id: string): string {
  const safe = (name ?? '').replace(/[/\\\0]+/g, '_').replace(/^\.+/, '').trim();
  return safe || id;
}

/**
 * Build the private torrent from piece hashes computed while the bytes were stored.
 * No announce (the registry adds one per caller, with the caller's passkey) and no
 * url-list: a web seed in the torrent would send standard clients to Teller at once.
 * `source` goes into the info dict, as private trackers do, so two images with the
 * same bytes still get two swarms (each with its own access rules).
 */
export function buildTorrent(name: string, length: number, pieceLength: number, pieces: Buffer, source: string, createdAt = new Date()): BuiltTorrent {
  const info = { length, name, 'piece length': pieceLength, pieces, private: 1, source };
  const torrent = Buffer.from(bencode.encode({ info, 'created by': 'glance-p2p', 'creation date': Math.floor(createdAt.getTime() / 1000) }));
  return { torrent, infohash: createHash('sha1').update(bencode.encode(info)).digest('hex') };
}
