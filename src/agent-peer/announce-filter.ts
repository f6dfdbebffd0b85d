import bencode from 'bencode';

/**
 * Keep only HTTP(S) announce URLs in a torrent. Our tracker needs the passkey, which
 * webtorrent's UDP announces cannot carry (no BEP 41), so a UDP announce would only
 * be refused. The info dict, hence the infohash, is untouched.
 */
export function httpAnnounceOnly(torrent: Uint8Array): Buffer {
  const meta = bencode.decode(torrent);
  const text = (v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString() : String(v));
  const urls: string[] = [];
  if (meta.announce) urls.push(text(meta.announce));
  for (const tier of (meta['announce-list'] ?? []) as unknown[][]) for (const url of tier) urls.push(text(url));
  const http = [...new Set(urls.filter((u) => /^https?:\/\//.test(u)))];
  delete meta.announce;
  delete meta['announce-list'];
  if (http.length > 0) {
    meta.announce = http[0];
    meta['announce-list'] = http.map((u) => [u]);
  }
  return Buffer.from(bencode.encode(meta));
}
