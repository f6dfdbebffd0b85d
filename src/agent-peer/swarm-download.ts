import { UnavailableError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { FilePieceStore } from '../swarm/file-piece-store.js';
import type { SwarmClient, SwarmTorrent } from '../swarm/swarm-client.js';
import type { AgentConfig } from './config.js';
import { RateMeter, type FetchProgress } from './progress.js';

/** Seed a verified image file the agent holds (no piece is read to check it again). */
export function seedFile(swarm: SwarmClient, torrent: Uint8Array, file: string): Promise<SwarmTorrent> {
  return swarm.add(torrent, { store: FilePieceStore, storeOpts: { file }, skipVerify: true, storeCacheSlots: 0 });
}

/** A swarm fetch that verified no new piece for `swarm_stall_s`, web seed included. */
export class SwarmStalledError extends UnavailableError {}

/** One download through the swarm. */
export interface SwarmJob {
  imageId: string;
  torrent: Buffer;
  partial: string;
  size: number;
  /** A signed URL of the image file at Teller, asked for only when falling back. */
  webSeedUrl: () => Promise<string>;
  onProgress?: (p: FetchProgress) => void;
  signal?: AbortSignal;
}

/**
 * Download through the swarm, rarest first, into a partial file whose pieces already
 * on disk are checked and kept (a killed fetch resumes). Teller is added as a web
 * seed when no piece came from peers after `fallback_after_s`, or when the swarm
 * stays slower than `slow_rate` for `slow_for_s`: a dead tracker, an empty swarm
 * or a seeder that died never stop a fetch. When not even that brings a verified piece for
 * `swarm_stall_s` (Teller cannot serve the image, or its web seed keeps failing), the
 * download fails with SwarmStalledError instead of waiting for ever.
 */
export async function swarmDownload(swarm: SwarmClient, config: AgentConfig, job: SwarmJob, log: Logger): Promise<SwarmTorrent> {
  const added = await swarm.add(job.torrent, { store: FilePieceStore, storeOpts: { file: job.partial }, storeCacheSlots: 0 });
  const { torrent, stats } = added;
  const started = Date.now();
  const meter = new RateMeter(Math.max(2000, config.slow_for_s * 1000));
  const swarmMeter = new RateMeter(config.slow_for_s * 1000);
  let fallback: string | undefined;
  let slowSince: number | undefined;
  let lastBytes = -1;
  let lastProgress = started;
  // pieces that passed their hash (webtorrent's progress also counts blocks of unfinished pieces)
  const pieceCount = torrent.pieces.length;
  const verifiedBytes = () => {
    let bytes = 0;
    for (let i = 0; i < pieceCount; i++) if (torrent.bitfield.get(i)) bytes += i === pieceCount - 1 ? job.size - i * torrent.pieceLength : torrent.pieceLength;
    return bytes;
  };

  const addWebSeed = async (reason: string) => {
    if (fallback) return;
    fallback = reason;
    try {
      torrent.addWebSeed(await job.webSeedUrl());
      log.info({ imageId: job.imageId, reason }, 'added Teller as a web seed');
    } catch (err) {
      log.warn({ imageId: job.imageId, err }, 'cannot add Teller as a web seed');
      fallback = undefined;
    }
  };

  const report = () => {
    const now = Date.now();
    const bytes = verifiedBytes();
    if (bytes > lastBytes) {
      lastBytes = bytes;
      lastProgress = now;
    }
    const rate = meter.update(bytes, now);
    const swarmRate = swarmMeter.update(stats.fromPeers, now);
    if (!torrent.done && !fallback) {
      if (stats.fromPeers === 0 && now - started >= config.fallback_after_s * 1000) void addWebSeed(`no piece from peers after ${config.fallback_after_s} s`);
      else if (now - started >= config.slow_for_s * 1000 && swarmRate < config.slow_rate) {
        slowSince ??= now;
        if (now - slowSince >= config.slow_for_s * 1000) void addWebSeed(`swarm under ${config.slow_rate} B/s for ${config.slow_for_s} s`);
      } else slowSince = undefined;
    }
    job.onProgress?.({
      phase: 'downloading',
      image_id: job.imageId,
      bytes,
      total: job.size,
      rate,
      peers: torrent.numPeers,
      swarm_bytes: stats.fromPeers,
      http_bytes: stats.fromWebSeeds,
      eta_s: rate > 0 ? Math.round((job.size - bytes) / rate) : null,
      ...(fallback ? { fallback } : {}),
    });
  };

  await new Promise<void>((resolve, reject) => {
    if (torrent.done) return resolve();
    const timer = setInterval(() => {
      report();
      const idle = Date.now() - lastProgress;
      if (!torrent.done && idle >= config.swarm_stall_s * 1000) {
        const sources = `${torrent.numPeers} peer(s)${fallback ? ', Teller as web seed' : ''}`;
        finish(new SwarmStalledError(`No verified piece of image ${job.imageId} for ${Math.round(idle / 1000)} s (${sources})`, { image_id: job.imageId, bytes: lastBytes }));
      }
    }, 500);
    const finish = (err?: Error) => {
      clearInterval(timer);
      job.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => finish(job.signal!.reason as Error);
    job.signal?.addEventListener('abort', onAbort, { once: true });
    torrent.once('done', () => finish());
    torrent.once('error', (err: Error) => finish(err));
  });
  report();
  return added;
}
