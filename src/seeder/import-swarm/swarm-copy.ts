import { httpAnnounceOnly } from '../../agent-peer/announce-filter.js';
import type { Logger } from '../../core/logger.js';
import type { ImageView, RegistryClient } from '../../core/registry-client.js';
import type { IngestSource } from '../ingest/ingest-runner.js';
import type { ImportSwarm } from './import-swarm.js';
import type { JoinedTorrent } from './joined-torrent.js';
import { streamSelection } from './swarm-stream.js';
import { parseTorrentFile } from './torrent-file.js';

/** What a copy over the source's swarm needs. */
export interface SwarmCopyJob {
  swarm: ImportSwarm;
  /** The source registry, with the token configured for it. */
  client: RegistryClient;
  image: ImageView & { size: number };
  /** A signed file URL at the source's Teller, asked for only when the web seed is added. */
  webSeedUrl: () => Promise<string>;
  stallMs: number;
  signal: AbortSignal;
  log: Logger;
}

/** Add the source Teller as a web seed when no peer sent a byte after `afterMs` (at once with 0). */
function webSeedFallback(joined: JoinedTorrent, job: SwarmCopyJob, afterMs: number): void {
  const add = async () => {
    if (joined.torrent.destroyed || joined.torrent.done || joined.stats.fromPeers > 0) return;
    try {
      const url = await job.webSeedUrl();
      if (!joined.torrent.destroyed) joined.torrent.addWebSeed(url);
      job.log.info({ imageId: job.image.id }, 'copy: added the source Teller as a web seed');
    } catch (err) {
      job.log.warn({ imageId: job.image.id, err }, 'copy: cannot add the source Teller as a web seed');
    }
  };
  const timer = setTimeout(() => void add(), afterMs);
  timer.unref();
  joined.torrent.once('close', () => clearTimeout(timer));
}

/**
 * Copy an image's bytes over its source installation's private swarm (the torrent
 * comes from the source registry with our passkey; only HTTP announces, as our
 * tracker needs the passkey in the URL), the source Teller joining as a web seed
 * when peers do not deliver. Resolves undefined when the swarm cannot be joined, so
 * the caller falls back to plain HTTP.
 */
export async function openSwarmCopy(job: SwarmCopyJob): Promise<IngestSource | undefined> {
  let joined: JoinedTorrent | undefined;
  try {
    const torrent = parseTorrentFile(httpAnnounceOnly(await job.client.torrent(job.image.id)));
    if (torrent.infohash !== job.image.p2p_infohash || torrent.length !== job.image.size) throw new Error(`the source's torrent (${torrent.infohash}) is not the image's (${job.image.p2p_infohash})`);
    joined = await job.swarm.join(torrent.bytes, torrent.infohash);
    await joined.ready(job.swarm.config.metadata_timeout_ms, job.signal);
  } catch (err) {
    await joined?.close();
    if (job.signal.aborted) throw job.signal.reason;
    job.log.warn({ imageId: job.image.id, err }, 'copy: cannot join the source swarm; copying over HTTP');
    return undefined;
  }
  // the fallback must come before the stall check gives up
  webSeedFallback(joined, job, Math.min(job.swarm.config.web_seed_after_ms, job.stallMs / 2));
  const stream = streamSelection(joined, { files: [{ path: job.image.id, length: job.image.size, offset: 0 }], as: 'file', stallMs: job.stallMs, signal: job.signal });
  const source = joined;
  return { stream, size: job.image.size, via: 'swarm', peers: () => source.peers() };
}
