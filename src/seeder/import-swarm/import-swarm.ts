import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import WebTorrent from 'webtorrent';
import { ConflictError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { pipePeersDirectly } from '../../swarm/direct-pipes.js';
import { FilePieceStore } from '../../swarm/file-piece-store.js';
import { coalesceRequestUpdates } from '../../swarm/request-scheduler.js';
import { joinReadsLazily } from '../../swarm/lazy-join.js';
import { limitIncoming, limitWires } from '../../swarm/wire-limits.js';
import type { ImportSwarmConfig } from './config.js';
import type { ImportTorrent } from './import-torrent.js';
import { JoinedTorrent } from './joined-torrent.js';

/**
 * Teller's client for pulling images out of swarms: public ones (magnets, .torrent
 * files) and other installations' private ones (copies). Started on first use. Each
 * download goes to its own temp file, which is deleted when the import ends either
 * way; files left by a Teller that crashed are swept when the client starts.
 */
export class ImportSwarm {
  readonly tempDir: string;
  private started: Promise<WebTorrent> | undefined;
  private readonly joined = new Map<string, JoinedTorrent>();

  constructor(
    readonly config: ImportSwarmConfig,
    dataDir: string,
    private readonly log: Logger,
  ) {
    this.tempDir = resolve(config.temp_dir ?? join(dataDir, 'import'));
  }

  private start(): Promise<WebTorrent> {
    this.started ??= (async () => {
      await mkdir(this.tempDir, { recursive: true });
      for (const name of await readdir(this.tempDir)) if (name.endsWith('.part')) await rm(join(this.tempDir, name), { force: true });
      const { config } = this;
      // the patches are process-wide: install them here too, so this client never depends on a SwarmClient made first
      pipePeersDirectly();
      limitWires();
      joinReadsLazily();
      const wt = new WebTorrent({
        dht: config.dht ? (config.dht_bootstrap.length > 0 ? { bootstrap: config.dht_bootstrap } : true) : false,
        lsd: false,
        utPex: config.pex,
        natUpnp: false,
        natPmp: false,
        utp: false,
        // plaintext: webtorrent's encrypted mode never falls back, so it would miss peers that do not encrypt
        secure: 0,
        webSeeds: config.web_seeds,
        torrentPort: config.port,
        maxConns: config.max_conns,
        tracker: {},
      });
      wt.on('error', (err: Error) => this.log.error({ err }, 'import swarm client error'));
      // public swarms are where hostile peers are
      limitIncoming(wt, config.max_conns);
      if (!wt.listening) await new Promise<void>((ok, fail) => wt.once('listening', () => ok()).once('error', fail));
      return wt;
    })().catch((err: unknown) => {
      // a port in use now may be free next time
      this.started = undefined;
      throw err;
    });
    return this.started;
  }

  /**
   * Join the swarm of a magnet URI or a .torrent; nothing is downloaded until ranges
   * are selected. Imports of one infohash at the same time share one download.
   */
  async join(torrentId: string | Uint8Array, infohash: string): Promise<JoinedTorrent> {
    const wt = await this.start();
    const running = this.joined.get(infohash);
    if (running && !running.torrent.destroyed) return running.retain();
    if (wt.torrents.some((t) => t.infoHash === infohash)) throw new ConflictError(`Infohash ${infohash} is still being removed from this Teller's import swarm; try again`);
    const file = join(this.tempDir, `${randomUUID()}.part`);
    const torrent = wt.add(torrentId, {
      store: FilePieceStore,
      storeOpts: { file },
      storeCacheSlots: 0,
      strategy: 'rarest',
      deselect: true,
      destroyStoreOnDestroy: true,
      path: this.tempDir,
    } as Parameters<WebTorrent['add']>[1]) as ImportTorrent;
    // one request walk per event-loop turn, as the agent does, and one after each new wire
    coalesceRequestUpdates(torrent);
    const joined: JoinedTorrent = new JoinedTorrent(torrent, infohash, file, this.log, () => {
      if (this.joined.get(infohash) === joined) this.joined.delete(infohash);
    });
    this.joined.set(infohash, joined);
    return joined;
  }

  async close(): Promise<void> {
    if (!this.started) return;
    const wt = await this.started.catch(() => undefined);
    if (wt) await new Promise<void>((ok) => wt.destroy(() => ok()));
  }
}
