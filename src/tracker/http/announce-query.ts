import { parse } from 'node:querystring';
import { isIPv4 } from 'node:net';
import { REASONS, TrackerRejection } from '../errors.js';
import { clampNumwant, type NumwantLimits } from '../numwant.js';
import type { AnnounceParams } from '../swarm/swarm.js';

/** A query string split into fields; values keep their raw bytes (info_hash and peer_id are binary). */
export type RawQuery = Record<string, string | string[] | undefined>;

/** Parse the query of a tracker URL. `unescape` keeps %xx as one byte each, where decodeURIComponent would reject non-UTF-8. */
export function parseRawQuery(url: string): RawQuery {
  const q = url.indexOf('?');
  return q < 0 ? {} : parse(url.slice(q + 1), '&', '=', { decodeURIComponent: unescape, maxKeys: 200 });
}

function one(query: RawQuery, key: string): string | undefined {
  const v = query[key];
  return Array.isArray(v) ? v[0] : v;
}

/** A 20-byte binary field as lowercase hex, or a rejection naming the field. */
export function binary20(value: string | undefined, field: string): string {
  if (typeof value !== 'string' || value.length !== 20) throw new TrackerRejection('malformed', `invalid ${field}: expected 20 bytes`);
  return Buffer.from(value, 'latin1').toString('hex');
}

function count(query: RawQuery, key: string, missing: number): number {
  const text = one(query, key);
  if (text === undefined || text === '') return missing;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new TrackerRejection('malformed', `invalid ${key}: ${text.slice(0, 32)}`);
  return n;
}

const EVENTS = new Set(['started', 'stopped', 'completed', 'paused']);

/** The address the request really came from, IPv4-mapped IPv6 shown as IPv4. */
export function peerAddress(remoteAddress: string | undefined): { ip: string; family: 4 | 6 } {
  const ip = (remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return { ip, family: isIPv4(ip) ? 4 : 6 };
}

/**
 * An HTTP announce as the engine takes it. The client's `ip` field is never read:
 * a peer's address is the one its connection comes from, so nobody can point a
 * swarm at a third party.
 */
export function parseHttpAnnounce(query: RawQuery, remoteAddress: string | undefined, limits: NumwantLimits, now: number): AnnounceParams {
  const infohash = binary20(one(query, 'info_hash'), 'info_hash');
  const peerId = binary20(one(query, 'peer_id'), 'peer_id');
  const port = Number(one(query, 'port'));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new TrackerRejection('malformed', 'invalid port');
  const event = one(query, 'event') ?? '';
  if (event !== '' && event !== 'empty' && !EVENTS.has(event)) throw new TrackerRejection('malformed', `invalid event: ${event.slice(0, 32)}`);
  const { ip, family } = peerAddress(remoteAddress);
  const passkey = one(query, 'passkey');
  return {
    action: 1,
    info_hash: infohash,
    peer_id: peerId,
    event: (EVENTS.has(event) ? event : 'update') as AnnounceParams['event'],
    ip,
    port,
    family,
    addr: family === 4 ? `${ip}:${port}` : `[${ip}]:${port}`,
    left: count(query, 'left', Infinity),
    uploaded: count(query, 'uploaded', 0),
    downloaded: count(query, 'downloaded', 0),
    numwant: clampNumwant(count(query, 'numwant', -1), limits),
    dictionaryPeers: one(query, 'compact') === '0',
    transport: 'http',
    ...(passkey !== undefined ? { passkey } : {}),
    now,
  };
}

/** The infohashes (hex) and passkey of an HTTP scrape; a scrape that names none is refused. */
export function parseHttpScrape(query: RawQuery): { infohashes: string[]; passkey: string | undefined } {
  const raw = query.info_hash;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new TrackerRejection('full_scrape', REASONS.fullScrape);
  if (list.length > 100) throw new TrackerRejection('malformed', 'too many info_hash values (at most 100)');
  return { infohashes: list.map((v) => binary20(v, 'info_hash')), passkey: one(query, 'passkey') };
}
