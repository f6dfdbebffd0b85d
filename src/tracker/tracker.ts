import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { isErrorKind } from '../core/errors.js';
import { createMetricsRegistry } from '../core/http/metrics.js';
import { createService, listen, type Service } from '../core/http/service.js';
import type { Logger } from '../core/logger.js';
import { AdminGate } from './admin-gate.js';
import { timingsOf, type TrackerConfig } from './config.js';
import { TrackerEngine } from './engine.js';
import { statsRoute } from './http/stats-route.js';
import { trackerRoutes } from './http/tracker-routes.js';
import { TrackerMetrics } from './metrics.js';
import { mayJoin, SwarmList } from './swarm-list.js';
import { SwarmListFollower, type SwarmListPage } from './swarm-list-follower.js';
import { trackerStats, type TrackerStats } from './stats.js';
import { ConnectionIds } from './udp/connection-ids.js';
import { UdpFrontEnd } from './udp/udp-front-end.js';

/** Where a started tracker answers. */
export interface TrackerAddress {
  /** Base URL of the HTTP side (`/announce`, `/scrape`, `/stats`, `/metrics`, `/healthz`). */
  httpUrl: string;
  /** `udp://host:port`, or undefined when UDP is off. */
  udpUrl: string | undefined;
  /** `udp://[v6]:port` when `udp6_host` is set. */
  udp6Url: string | undefined;
  /** The port HTTP and UDP share. */
  port: number;
  /** Announce URL templates for the registry's `trackers` config (`{passkey}` left in). */
  announceTemplates: string[];
}

/** Things tests and embedders may put in instead of the defaults. */
export interface TrackerOptions {
  /** The clock for peer expiry, connection ids and caches (ms since the epoch). */
  now?: () => number;
  /** A Prometheus registry to add the tracker's series to (default: its own). */
  metrics?: Registry;
}

/** A private tracker that `glance-p2p tracker` runs alone and `glance-p2p up` embeds. */
export interface Tracker {
  /** Bind HTTP and UDP (without talking to the registry yet). */
  listen(): Promise<TrackerAddress>;
  /** Bind if needed, load the swarm list from the registry and keep following it. */
  start(options?: { registryUrl?: string }): Promise<TrackerAddress>;
  close(): Promise<void>;
  readonly metrics: Registry;
  /** The admin view `/stats` serves: swarms, peers and per-peer and per-swarm byte counts. */
  stats(infohash?: string): TrackerStats;
  /** Registry revision of the swarm list in use; undefined before the first load. */
  readonly swarmListRevision: number | undefined;
  /** Resolves once a swarm list of at least this registry revision is in use. */
  whenSwarmList(revision: number): Promise<void>;
  /** Expire silent peers now (also done on a timer and on every announce to a swarm). */
  sweep(): void;
}

const LISTEN_TRIES = 8;

/** Build a tracker from a validated config. */
export function createTracker(config: TrackerConfig, logger: Logger, options: TrackerOptions = {}): Tracker {
  const now = options.now ?? Date.now;
  const timings = timingsOf(config);
  const log = logger.child({ service: 'tracker' });
  const registry = options.metrics ?? createMetricsRegistry('tracker');
  const list = new SwarmList(config.tracker_secret);
  let registryUrl = config.registry_url;
  const limits = { defaultNumwant: Math.min(config.default_numwant, config.max_numwant), maxNumwant: config.max_numwant };
  const intervalSeconds = config.announce_interval;
  const minIntervalSeconds = timings.minIntervalMs / 1000;
  // eslint-disable-next-line prefer-const -- set once the engine exists; the swarm calls back into it
  let metrics: TrackerMetrics;
  const engine = new TrackerEngine(list, {
    peerTtlMs: timings.peerTtlMs,
    maxPeers: config.max_peers_per_swarm,
    departedKept: config.departed_peers_kept,
    intervalSeconds,
    minIntervalSeconds,
    onTransfer: (infohash, up, down) => metrics.transferred(infohash, list.get(infohash)?.image_id ?? '', up, down),
  });
  metrics = new TrackerMetrics(registry, list, engine);
  const udp = new UdpFrontEnd({ engine, ids: new ConnectionIds(now), limits, metrics, logger: log, now });
  const gate = new AdminGate(() => registryUrl, config.admin_cache_ttl * 1000, now);
  const waiters: Array<{ revision: number; resolve: () => void }> = [];

  const applyList = (page: SwarmListPage) => {
    const { removed, changed } = list.replace(page.revision, page.swarms, now());
    for (const infohash of removed) engine.drop(infohash);
    for (const infohash of changed) {
      const allowed = list.get(infohash)!;
      engine.swarm(infohash)?.dropWhere((p) => !mayJoin(allowed, { userId: p.userId, projectId: p.projectId, admin: p.admin }));
    }
    if (removed.length || changed.length) log.info({ revision: page.revision, removed: removed.length, changed: changed.length }, 'tracker: swarm list changed');
    for (const w of waiters.splice(0)) {
      if (page.revision >= w.revision) w.resolve();
      else waiters.push(w);
    }
  };

  let follower: SwarmListFollower | undefined;
  let app: Service | undefined;
  let address: TrackerAddress | undefined;
  let sweeper: NodeJS.Timeout | undefined;

  const buildApp = async (): Promise<Service> => {
    const tls = config.tls ? { cert: readFileSync(config.tls.cert_file), key: readFileSync(config.tls.key_file) } : undefined;
    const service = createService({
      name: 'tracker',
      logger,
      metrics: registry,
      ...(tls ? { tls } : {}),
      health: () => {
        if (list.revision === undefined) throw new Error('the swarm list has not been loaded from the registry yet');
        return { swarm_list: { revision: list.revision, allowed_swarms: list.size, loaded_at: new Date(list.lastLoadedAt!).toISOString() } };
      },
    });
    await service.register(trackerRoutes, { engine, list, metrics, limits, minIntervalSeconds, now });
    if (config.stats) await service.register(statsRoute, { gate, engine, list, now });
    return service;
  };

  // HTTP and UDP share one port number, so one `host:port` names the tracker for both.
  const bindBoth = async (): Promise<number> => {
    let lastError: unknown;
    for (let attempt = 0; attempt < (config.port === 0 ? LISTEN_TRIES : 1); attempt++) {
      const port = config.udp ? await udp.bind(config.host, config.port, config.host.includes(':') ? 6 : 4) : config.port;
      const service = await buildApp();
      try {
        const bound = await listen(service, config.host, port);
        app = service;
        if (config.udp && config.udp6_host) await udp.bind(config.udp6_host, bound.port, 6);
        return bound.port;
      } catch (err) {
        lastError = err;
        await service.close();
        await udp.close();
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
    throw lastError;
  };

  const tracker: Tracker = {
    metrics: registry,
    get swarmListRevision() {
      return list.revision;
    },

    async listen() {
      if (address) return address;
      const port = await bindBoth();
      const shown = config.host.includes(':') ? `[${config.host}]` : config.host;
      const scheme = config.tls ? 'https' : 'http';
      const udpUrl = config.udp ? `udp://${shown}:${port}` : undefined;
      const udp6Url = config.udp && config.udp6_host ? `udp://[${config.udp6_host}]:${port}` : undefined;
      address = {
        httpUrl: `${scheme}://${shown}:${port}`,
        udpUrl,
        udp6Url,
        port,
        announceTemplates: [`${scheme}://${shown}:${port}/announce?passkey={passkey}`, ...(udpUrl ? [`${udpUrl}/announce?passkey={passkey}`] : [])],
      };
      sweeper = setInterval(() => engine.sweep(now()), Math.max(1000, Math.floor(timings.peerTtlMs / 4)));
      sweeper.unref();
      log.info({ http: address.httpUrl, udp: udpUrl, udp6: udp6Url }, 'tracker listening');
      return address;
    },

    async start(startOptions = {}) {
      const bound = await tracker.listen();
      if (follower) return bound;
      registryUrl = startOptions.registryUrl ?? registryUrl;
      follower = new SwarmListFollower({
        registryUrl,
        serviceToken: config.service_token,
        waitSeconds: config.refresh_interval,
        logger: log,
        onList: applyList,
        onError: () => metrics.refreshFailed(),
      });
      try {
        await follower.fetchOnce();
      } catch (err) {
        if (isErrorKind(err, 'unauthorized') || isErrorKind(err, 'forbidden')) throw err;
        metrics.refreshFailed();
        log.warn({ err: (err as Error).message, registry: registryUrl }, 'tracker: registry not reachable yet; announces are refused until the swarm list loads');
      }
      follower.follow();
      return bound;
    },

    async close() {
      if (sweeper) clearInterval(sweeper);
      await follower?.close();
      await app?.close();
      await udp.close();
      engine.close();
      for (const w of waiters.splice(0)) w.resolve();
    },

    stats: (infohash) => trackerStats(list, engine, now(), infohash),

    whenSwarmList(revision) {
      if (list.revision !== undefined && list.revision >= revision) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ revision, resolve }));
    },

    sweep: () => engine.sweep(now()),
  };
  return tracker;
}
