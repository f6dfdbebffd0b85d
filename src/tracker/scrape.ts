import type { TrackerEngine } from './engine.js';
import { REASONS, TrackerRejection } from './errors.js';
import type { ScrapeFile } from './http/bencode-replies.js';
import { mayJoin, type SwarmList } from './swarm-list.js';

/**
 * Scrape counts for the named infohashes that this passkey may see. bittorrent-tracker
 * skips its filter on scrape and lists every swarm when none is named; here the
 * passkey is checked, swarms the principal may not join are left out, and a
 * scrape naming nothing was refused while parsing.
 */
export function scrapeFiles(list: SwarmList, engine: TrackerEngine, infohashes: string[], passkey: string | undefined, now: number): ScrapeFile[] {
  const claims = list.claimsOf(passkey);
  if (list.revision === undefined) throw new TrackerRejection('not_ready', REASONS.notReady);
  const files: ScrapeFile[] = [];
  for (const infohash of new Set(infohashes)) {
    const allowed = list.get(infohash);
    if (!allowed || !mayJoin(allowed, claims)) continue;
    const swarm = engine.swarm(infohash);
    swarm?.expire(now);
    files.push({ infohash, ...(swarm ? swarm.counts() : { complete: 0, incomplete: 0, downloaded: 0 }) });
  }
  if (files.length === 0) throw new TrackerRejection('unregistered', `${REASONS.unregistered} (or not readable with this passkey)`);
  return files;
}
