import bencode from 'bencode';
import { InvalidInputError } from '../../core/errors.js';

/** A .torrent with its announce list replaced (the info dict, hence the infohash, is untouched). */
export function withAnnounce(torrent: Uint8Array, announce: string[]): Buffer {
  let meta: Record<string, unknown>;
  try {
    meta = bencode.decode(torrent);
  } catch {
    throw new InvalidInputError('Stored torrent is not valid bencode');
  }
  delete meta['announce'];
  delete meta['announce-list'];
  if (announce.length > 0) {
    meta['announce'] = announce[0];
    meta['announce-list'] = announce.map((url) => [url]);
  }
  return Buffer.from(bencode.encode(meta));
}
