import { BadGatewayError, GlanceError, UnavailableError } from '../../core/errors.js';
import type { JoinedTorrent } from './joined-torrent.js';

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** What the trackers said, for a reason that an operator can act on. */
function trackerNote(joined: JoinedTorrent): string {
  const announce = (joined.torrent as unknown as { announce?: string[] }).announce ?? [];
  const parts = [];
  if (announce.length > 0) parts.push(`trackers: ${announce.join(', ')}`);
  if (joined.warnings.length > 0) parts.push(`warnings: ${joined.warnings.join('; ')}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/**
 * Why no metadata came, told apart the way an admin needs it: no peer at all (a dead
 * or empty swarm, an unreachable tracker), peers that only sent metadata of another
 * torrent (refused), or peers that never sent any.
 */
export function metadataTimeoutError(joined: JoinedTorrent, timeoutMs: number): GlanceError {
  const { infohash } = joined;
  const bad = joined.badMetadataPeers.size;
  if (bad > 0) {
    return new BadGatewayError(`No valid metadata for infohash ${infohash} within ${seconds(timeoutMs)}: ${bad} peer(s) sent metadata that does not match the infohash and were refused${trackerNote(joined)}`, { reason: 'bad_metadata' });
  }
  if (joined.peersSeen.size === 0) return new UnavailableError(`No peers found for infohash ${infohash} within ${seconds(timeoutMs)}${trackerNote(joined)}`, { reason: 'no_peers' });
  return new UnavailableError(`No metadata for infohash ${infohash} within ${seconds(timeoutMs)} from ${joined.peersSeen.size} peer(s)${trackerNote(joined)}`, { reason: 'no_metadata' });
}

/** Resolve once the torrent has its metadata and store; reject on timeout, swarm failure or abort. */
export function waitForMetadata(joined: JoinedTorrent, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const { torrent } = joined;
  if (torrent.ready) return Promise.resolve();
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const finish = (err?: Error) => {
      clearTimeout(timer);
      torrent.off('ready', onReady);
      torrent.off('error', onError);
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(metadataTimeoutError(joined, timeoutMs)), timeoutMs);
    const onReady = () => finish();
    const onError = (err: Error) => finish(new BadGatewayError(`The swarm of infohash ${joined.infohash} failed: ${err.message}`));
    const onAbort = () => finish(signal.reason as Error);
    torrent.once('ready', onReady);
    torrent.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
