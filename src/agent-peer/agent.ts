import { resolve, join } from 'node:path';
import type { Logger } from '../core/logger.js';
import { RegistryDirectory } from '../core/registry-directory.js';
import type { SwarmClient, SwarmTotals } from '../swarm/swarm-client.js';
import type { AgentConfig } from './config.js';
import { Fetcher } from './fetcher.js';
import { LocalImageCache } from './local-cache.js';
import { seedFile } from './swarm-download.js';

/**
 * One host's agent: its local image cache, its swarm client (started on first use)
 * and the fetcher. The CLI's `fetch` makes one per run; the daemon keeps one and
 * seeds everything it holds.
 */
export class Agent {
  readonly cache: LocalImageCache;
  readonly fetcher: Fetcher;
  readonly registries: RegistryDirectory;
  private swarmClient: SwarmClient | undefined;

  constructor(
    readonly config: AgentConfig,
    private readonly log: Logger,
  ) {
    this.cache = new LocalImageCache(resolve(config.cache_dir ?? join(config.data_dir, 'agent')));
    this.registries = new RegistryDirectory(config.registries);
    this.fetcher = new Fetcher(config, this.registries, this.cache, () => this.swarm(), log);
  }

  private loading: Promise<SwarmClient> | undefined;

  /**
   * The swarm client, created (and webtorrent loaded: ~45 MB) on first use; a cache hit
   * or an HTTP fetch needs none.
   */
  swarm(): Promise<SwarmClient> {
    this.loading ??= import('../swarm/swarm-client.js').then(({ SwarmClient }) => {
      this.swarmClient = new SwarmClient({ port: this.config.bt_port, maxConns: this.config.max_conns, log: this.log });
      return this.swarmClient;
    });
    return this.loading;
  }

  /** The swarm's bytes and bans over every torrent since start (zeros before the swarm client exists). */
  swarmTotals(): SwarmTotals {
    return this.swarmClient?.totals ?? { fromPeers: 0, fromWebSeeds: 0, uploaded: 0, peersBanned: 0 };
  }

  /** Infohashes being seeded (none before the swarm client exists). */
  seeding(): string[] {
    return this.swarmClient?.infohashes() ?? [];
  }

  /** Seed every image held that came with a torrent (after a daemon restart). Files were verified when stored. */
  async seedHeld(): Promise<number> {
    let n = 0;
    for (const held of await this.cache.held()) {
      if (!held.torrent || !held.infohash || this.seeding().includes(held.infohash)) continue;
      try {
        await seedFile(await this.swarm(), Buffer.from(held.torrent, 'base64'), this.cache.path(held.sha256)!);
        n++;
      } catch (err) {
        this.log.warn({ err, sha256: held.sha256 }, 'cannot seed a held image');
      }
    }
    return n;
  }

  /** Keep the cache under its cap: least recently used images go (and stop being seeded), never those in `keep`. */
  async enforceCap(keep: Set<string>): Promise<string[]> {
    const held = new Map((await this.cache.held()).map((h) => [h.sha256, h]));
    const gone = await this.cache.evict(this.config.cache_max_bytes, keep);
    for (const sha256 of gone) {
      const infohash = held.get(sha256)?.infohash;
      if (infohash && this.swarmClient) await this.swarmClient.remove(infohash);
    }
    return gone;
  }

  /** Stop seeding and forget an image. */
  async drop(sha256: string): Promise<boolean> {
    const held = (await this.cache.held()).find((h) => h.sha256 === sha256);
    if (!held) return false;
    if (held.infohash && this.swarmClient) await this.swarmClient.remove(held.infohash);
    await this.cache.remove(sha256);
    return true;
  }

  async close(): Promise<void> {
    await this.swarmClient?.destroy();
  }
}
