import { createHash } from 'node:crypto';
import bencode from 'bencode';

/** A real private torrent and matching ingest report for `data` (as Teller would send it). */
export function ingestReportFor(data: Buffer, name = 'image', pieceLength = 16384) {
  const pieces: Buffer[] = [];
  for (let off = 0; off < data.length; off += pieceLength) pieces.push(createHash('sha1').update(data.subarray(off, off + pieceLength)).digest());
  const info = { length: data.length, name, 'piece length': pieceLength, pieces: Buffer.concat(pieces), private: 1 };
  const torrent = Buffer.from(bencode.encode({ info, 'created by': 'test' }));
  const infohash = createHash('sha1').update(bencode.encode(info)).digest('hex');
  return {
    size: data.length,
    checksum: createHash('md5').update(data).digest('hex'),
    os_hash_algo: 'sha256',
    os_hash_value: createHash('sha256').update(data).digest('hex'),
    locations: [{ store: 'local', chunks: [{ url: 'file:///images/x.000000', offset: 0, size: data.length, etag: createHash('md5').update(data).digest('hex'), sha256: createHash('sha256').update(data).digest('hex') }] }],
    torrent: torrent.toString('base64'),
    p2p_infohash: infohash,
    p2p_piece_length: pieceLength,
  };
}
