import bencode from 'bencode';
import type { AnnounceResult } from '../engine.js';
import { compactPeers } from '../swarm/compact-address.js';

/** A BitTorrent failure answer; clients show `message` to the user. */
export function failureReply(message: string): Buffer {
  return Buffer.from(bencode.encode({ 'failure reason': message }));
}

/** An announce answer: compact `peers`/`peers6` (BEP 23, BEP 7), or the dictionary list for `compact=0`. */
export function announceReply(result: AnnounceResult, compact: boolean): Buffer {
  const body: Record<string, unknown> = {
    complete: result.complete,
    incomplete: result.incomplete,
    interval: result.interval,
    'min interval': result['min interval'],
  };
  if (compact) {
    body.peers = compactPeers(result.peers, 4);
    const v6 = compactPeers(result.peers, 6);
    if (v6.length > 0) body.peers6 = v6;
  } else {
    // Binary peer ids go in as bytes: a JS string would be re-encoded as UTF-8.
    body.peers = result.peers.map((p) => ({ 'peer id': Buffer.from(p.peerId, 'hex'), ip: p.ip, port: p.port }));
  }
  return Buffer.from(bencode.encode(body));
}

/** One scraped swarm. */
export interface ScrapeFile {
  infohash: string;
  complete: number;
  incomplete: number;
  downloaded: number;
}

function bstr(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${bytes.length}:`), bytes]);
}

/**
 * A scrape answer. The `files` keys are the raw 20-byte infohashes in byte
 * order; bencode's object encoding would write them as UTF-8 text (the bug
 * bittorrent-tracker has), so the dictionary is assembled by hand.
 */
export function scrapeReply(files: ScrapeFile[], minRequestInterval: number): Buffer {
  const keyed = files.map((f) => ({ key: Buffer.from(f.infohash, 'hex'), f })).sort((a, b) => Buffer.compare(a.key, b.key));
  const parts: Buffer[] = [Buffer.from('d5:filesd')];
  for (const { key, f } of keyed) {
    parts.push(bstr(key), Buffer.from(bencode.encode({ complete: f.complete, downloaded: f.downloaded, incomplete: f.incomplete })));
  }
  parts.push(Buffer.from('e5:flags'), Buffer.from(bencode.encode({ min_request_interval: minRequestInterval })), Buffer.from('e'));
  return Buffer.concat(parts);
}
