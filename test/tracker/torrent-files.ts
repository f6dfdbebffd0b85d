import bencode from 'bencode';
import { ingestReportFor } from '../helpers/ingest-report.js';

/** The same torrent with other announce URLs (one tier each), e.g. a leaked torrent used with another passkey. */
export function withAnnounceUrls(torrent: Buffer, urls: string[]): Buffer {
  const meta = bencode.decode(new Uint8Array(torrent));
  meta.announce = urls[0];
  meta['announce-list'] = urls.map((u) => [u]);
  return Buffer.from(bencode.encode(meta));
}

/** The announce URLs a torrent carries, in tier order. */
export function announceUrlsOf(torrent: Buffer): string[] {
  const meta = bencode.decode(new Uint8Array(torrent));
  const list = (meta['announce-list'] as Uint8Array[][] | undefined)?.flat() ?? [meta.announce as Uint8Array];
  return list.map((u) => Buffer.from(u).toString('utf8'));
}

/** A well-formed private torrent the registry has never heard of. */
export function unregisteredTorrent(data: Buffer, announce: string): Buffer {
  const report = ingestReportFor(data, 'stranger', 16384);
  return withAnnounceUrls(Buffer.from(report.torrent, 'base64'), [announce]);
}
