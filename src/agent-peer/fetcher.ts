import { rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkDiskRoom } from '../core/disk-room.js';
import { ForbiddenError, IntegrityFailure, isErrorKind } from '../core/errors.js';
import { useTlsInGlobalFetch } from '../core/global-fetch-tls.js';
import { JsonClient } from '../core/http-client.js';
import type { Logger } from '../core/logger.js';
import type { RegistryDirectory } from '../core/registry-directory.js';
import type { SwarmClient } from '../swarm/swarm-client.js';
import type { TransferCounts } from '../swarm/transfer-stats.js';
import { httpAnnounceOnly } from './announce-filter.js';
import type { AgentConfig } from './config.js';
import { httpDownload } from './http-download.js';
import { resolveImage, type ResolvedImage } from './image-source.js';
import type { HeldImage, LocalImageCache } from './local-cache.js';
import { RateMeter, type ProgressSink } from './progress.js';
import { seedFile, swarmDownload, SwarmStalledError } from './swarm-download.js';
import { sha256File } from './verify-file.js';

/** Bytes a file holds on disk (a swarm's partial file is sparse); 0 when there is none. */
async function allocatedBytes(path: string): Promise<number> {
  try {
    return (await stat(path)).blocks * 512;
  } catch {
    return 0;
  }
}

/** Plain-HTTP downloads tried per fetch when they break off or cannot connect. */
const HTTP_ATTEMPTS = 3;

/** How to fetch. */
export interface FetchOptions {
  token?: string;
  /** Plain HTTP from Teller only (with Range resume). */
  noP2p?: boolean;
  onProgress?: ProgressSink;
  signal?: AbortSignal;
}

/** A fetched image: a verified file in the local cache. */
export interface FetchResult {
  path: string;
  sha256: string;
  size: number;
  image: ResolvedImage['image'];
  /** cache: already held (maybe from another registry); swarm or http: downloaded now. */
  source: 'cache' | 'swarm' | 'http';
  counts: TransferCounts;
  infohash: string | null;
}

/** What the CLI's --json and the daemon's API report about a finished fetch. */
export function fetchSummary(result: FetchResult) {
  return {
    image_id: result.image.id,
    sha256: result.sha256,
    size: result.size,
    source: result.source,
    swarm_bytes: result.counts.fromPeers,
    http_bytes: result.counts.fromWebSeeds,
  };
}

/**
 * The agent's fetch: resolve the URI on its registry, reuse the bytes if the same
 * SHA-256 is already held, else download through the swarm (Teller as web seed when
 * needed) or, with noP2p, plainly over HTTP; check the SHA-256 against the registry's
 * os_hash_value before the file counts as held. Concurrent fetches of one image share
 * one download.
 */
export class Fetcher {
  private readonly inFlight = new Map<string, Promise<FetchResult>>();

  constructor(
    private readonly config: AgentConfig,
    private readonly registries: RegistryDirectory,
    readonly cache: LocalImageCache,
    private readonly swarm: () => Promise<SwarmClient>,
    private readonly log: Logger,
  ) {}

  async fetch(uri: string, options: FetchOptions = {}): Promise<FetchResult> {
    const resolved = await resolveImage(uri, this.registries, options.token);
    const held = this.cache.path(resolved.sha256);
    const report = (phase: 'cached' | 'verifying' | 'done', bytes: number) =>
      options.onProgress?.({ phase, image_id: resolved.image.id, bytes, total: resolved.size, rate: 0, peers: 0, swarm_bytes: 0, http_bytes: 0, eta_s: 0 });
    if (held) {
      await this.cache.touch(resolved.sha256);
      report('cached', resolved.size);
      return { path: held, sha256: resolved.sha256, size: resolved.size, image: resolved.image, source: 'cache', counts: { fromPeers: 0, fromWebSeeds: 0, uploaded: 0 }, infohash: resolved.image.p2p_infohash };
    }
    const key = `${resolved.sha256}:${options.noP2p ? 'http' : 'swarm'}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.download(resolved, options).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async download(resolved: ResolvedImage, options: FetchOptions): Promise<FetchResult> {
    const { image } = resolved;
    let useSwarm = !options.noP2p && image.p2p_infohash !== null;
    let partial = this.cache.partialPath(useSwarm ? image.p2p_infohash! : resolved.sha256, useSwarm ? 'swarm' : 'http');
    let counts: TransferCounts;
    let torrent: Buffer | null = null;
    let reseed = false;
    // before a byte moves: what the partial file does not hold yet must fit on the disk
    await checkDiskRoom(this.cache.partial, resolved.size - (await allocatedBytes(partial)));
    if (useSwarm) {
      torrent = httpAnnounceOnly(await resolved.client.torrent(image.id));
      const swarm = await this.swarm();
      try {
        const swarmTorrent = await swarmDownload(
          swarm,
          this.config,
          { imageId: image.id, torrent, partial, size: resolved.size, webSeedUrl: () => this.signedUrl(resolved, options.token), ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.signal ? { signal: options.signal } : {}) },
          this.log,
        );
        counts = swarmTorrent.stats;
      } catch (err) {
        if (!(err instanceof SwarmStalledError)) throw err;
        // Plain HTTP either finishes the job or fails with Teller's own reason (a 502 naming a bad chunk, say).
        this.log.warn({ err, imageId: image.id }, 'the swarm stalled: downloading over plain HTTP');
        await swarm.remove(image.p2p_infohash!);
        const swarmPartial = partial;
        useSwarm = false;
        reseed = true;
        partial = this.cache.partialPath(resolved.sha256, 'http');
        counts = await this.httpFetch(resolved, partial, options);
        // kept until now, so that a fetch after a failed HTTP download resumes the pieces
        await rm(swarmPartial, { force: true });
      }
    } else {
      counts = await this.httpFetch(resolved, partial, options);
    }
    options.onProgress?.({ phase: 'verifying', image_id: image.id, bytes: resolved.size, total: resolved.size, rate: 0, peers: 0, swarm_bytes: counts.fromPeers, http_bytes: counts.fromWebSeeds, eta_s: 0 });
    const actual = await sha256File(partial);
    if (actual !== resolved.sha256) {
      if (useSwarm) await (await this.swarm()).remove(image.p2p_infohash!);
      await rm(partial, { force: true });
      throw new IntegrityFailure(`Image ${image.id} downloaded with SHA-256 ${actual}, the registry says ${resolved.sha256}`, { expected: resolved.sha256, actual });
    }
    const held: HeldImage = {
      sha256: resolved.sha256,
      size: resolved.size,
      image_uri: resolved.uri,
      infohash: image.p2p_infohash,
      torrent: torrent ? torrent.toString('base64') : null,
      container_format: image.container_format,
    };
    const path = await this.cache.commit(partial, held);
    // the swarm was left for plain HTTP: seed the verified file, as after a swarm download
    if (reseed && torrent) await seedFile(await this.swarm(), torrent, path).catch((err: unknown) => this.log.warn({ err, imageId: image.id }, 'cannot seed the image fetched over HTTP'));
    return { path, sha256: resolved.sha256, size: resolved.size, image, source: useSwarm ? 'swarm' : 'http', counts, infohash: image.p2p_infohash };
  }

  /**
   * Plain HTTP from the image's Teller, with Range resume into `partial`. A download that
   * breaks off or cannot connect is tried again (HTTP_ATTEMPTS in all), resuming what
   * arrived; an answer such as a 404 or a 502 is final. Teller refuses a piece it found
   * corrupt with a 502 that names it, so a cut for bad bytes ends with that reason.
   */
  private async httpFetch(resolved: ResolvedImage, partial: string, options: FetchOptions): Promise<TransferCounts> {
    let fetched = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        fetched += await this.httpAttempt(resolved, partial, options);
        return { fromPeers: 0, fromWebSeeds: fetched, uploaded: 0 };
      } catch (err) {
        if (!isErrorKind(err, 'unavailable') || attempt >= HTTP_ATTEMPTS || options.signal?.aborted) throw err;
        this.log.warn({ err, imageId: resolved.image.id, attempt }, 'HTTP download failed; resuming');
        await sleep(attempt * 1000, undefined, options.signal ? { signal: options.signal } : {});
      }
    }
  }

  /** One plain-HTTP download; returns the bytes it fetched. */
  private httpAttempt(resolved: ResolvedImage, partial: string, options: FetchOptions): Promise<number> {
    const { image } = resolved;
    const meter = new RateMeter();
    const token = options.token ?? resolved.entry.token;
    return httpDownload({
      url: `${resolved.seederUrl}/v2/images/${image.id}/file`,
      headers: token ? { 'x-auth-token': token } : {},
      partial,
      size: resolved.size,
      etag: `"${resolved.sha256}"`,
      stallMs: this.config.http_stall_s * 1000,
      dispatcher: resolved.client.dispatcher,
      onBytes: (bytes) => {
        const rate = meter.update(bytes);
        options.onProgress?.({ phase: 'downloading', image_id: image.id, bytes, total: resolved.size, rate, peers: 0, swarm_bytes: 0, http_bytes: bytes, eta_s: rate > 0 ? Math.round((resolved.size - bytes) / rate) : null });
      },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** A signed file URL at the image's Teller, for the web seed (web seeds send no auth headers). */
  private async signedUrl(resolved: ResolvedImage, token: string | undefined): Promise<string> {
    const teller = new JsonClient(resolved.seederUrl, token ?? resolved.entry.token, resolved.client.dispatcher);
    const res = await teller.json<{ url: string }>('POST', `/p2p/v1/images/${resolved.image.id}/signed-url`, { body: {} });
    if (!res?.url) throw new ForbiddenError('Teller gave no signed URL');
    // webtorrent fetches its web seeds with the global fetch: give that the entry's TLS settings
    useTlsInGlobalFetch(res.url, resolved.entry.tls);
    return res.url;
  }
}
