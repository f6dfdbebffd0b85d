import type { Registry } from 'prom-client';
import { isErrorKind } from '../core/errors.js';
import { createMetricsRegistry } from '../core/http/metrics.js';
import type { Service } from '../core/http/service.js';
import type { Logger } from '../core/logger.js';
import { AdminGate } from './admin-gate.js';
import { applySwarmList } from './apply-swarm-list.js';
import { bindOnePort } from './bind-one-port.js';
import { timingsOf, type TrackerConfig } from './config.js';
import { TrackerEngine } from './engine.js';
import { buildTrackerApp } from './http/tracker-app.js';
import { TrackerMetrics } from './metrics.js';
import { SwarmList } from './swarm-list.js';
import { SwarmListFollower, type SwarmListPage } from './swarm-list-follower.js';
import { trackerStats, type TrackerStats } from './stats.js';
import { ConnectionIds } from './udp/connection-ids.js';
import { UdpFrontEnd } from './udp/udp-front-end.js';

/** Where a started tracker answers. */
export interface TrackerAddress {
  /** Base URL of the HTTP side as bound (`/announce`, `/scrape`, `/stats`, `/metrics`, `/healthz`). */
  httpUrl: string;
  /** `udp://host:port`, or undefined when UDP is off. */
  udpUrl: string | undefined;
  /** `udp://[v6]:port` when `udp6_host` is set. */
  udp6Url: string | undefined;
  /** The port HTTP and UDP share. */
  port: number;
  /** Announce URL templates for the registry's `trackers` config (`{passkey}` left in), HTTP first, with `public_host` when set. */
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
  /** Bind HTTP and UDP (without talking to the registry yet), so the registry can be told the port. */
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

/** Build a tracker from a validated config. */
export function createTracker(config: TrackerConfig, logger: Logger, options: TrackerOptions = {}): Tracker {
  const now = options.now ?? Date.now;
  const timings = timingsOf(config);
  const log = logger.child({ service: 'tracker' });
  const registry = options.metrics ?? createMetricsRegistry('tracker');
  const list = new SwarmList(config.tracker_secret);
  let registryUrl = config.registry_url;
  const limits = { defaultNumwant: Math.min(config.default_numwant, config.max_numwant), maxNumwant: config.max_numwant };
  const minIntervalSeconds = timings.minIntervalMs / 1000;
  const onTransfer = (infohash: string, up: number, down: number) => metrics.transferred(infohash, list.get(infohash)?.image_id ?? '', up, down);
  const engine = new TrackerEngine(list, {
    peerTtlMs: timings.peerTtlMs,
    maxPeers: config.max_peers_per_swarm,
    departedKept: config.departed_peers_kept,
    intervalSeconds: config.announce_interval,
    minIntervalSeconds,
    onTransfer,
  });
  const metrics = new TrackerMetrics(registry, list, engine);
  const udp = new UdpFrontEnd({ engine, ids: new ConnectionIds(now), limits, metrics, logger: log, now });
  const gate = new AdminGate(() => registryUrl, config.admin_cache_ttl * 1000, now);
  const waiters: Array<{ revision: number; resolve: () => void }> = [];

  const onList = (page: SwarmListPage) => {
    const { removed, changed } = applySwarmList(list, engine, page, now());
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

  const tracker: Tracker = {
    metrics: registry,
    get swarmListRevision() {
      return list.revision;
    },

    async listen() {
      if (address) return address;
      const bound = await bindOnePort(config, udp, () => buildTrackerApp({ config, logger, prometheus: registry, gate, engine, list, metrics, limits, minIntervalSeconds, now }));
      app = bound.app;
      const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h);
      const local = bracket(config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host);
      const announced = config.public_host ? bracket(config.public_host) : local;
      const scheme = config.tls ? 'https' : 'http';
      address = {
        httpUrl: `${scheme}://${local}:${bound.port}`,
        udpUrl: config.udp ? `udp://${local}:${bound.port}` : undefined,
        udp6Url: config.udp && config.udp6_host ? `udp://[${config.udp6_host}]:${bound.port}` : undefined,
        port: bound.port,
        announceTemplates: [`${scheme}://${announced}:${bound.port}/announce?passkey={passkey}`, ...(config.udp ? [`udp://${announced}:${bound.port}/announce?passkey={passkey}`] : [])],
      };
      sweeper = setInterval(() => engine.sweep(now()), Math.max(1000, Math.floor(timings.peerTtlMs / 4)));
      sweeper.unref();
      log.info({ http: address.httpUrl, udp: address.udpUrl, udp6: address.udp6Url }, 'tracker listening');
      return address;
    },

    async start(startOptions = {}) {
      const bound = await tracker.listen();
      if (follower) return bound;
      registryUrl = startOptions.registryUrl ?? registryUrl;
      follower = new SwarmListFollower({ registryUrl, serviceToken: config.service_token, waitSeconds: config.refresh_interval, logger: log, onList, onError: () => metrics.refreshFailed() });
      try {
        await follower.fetchOnce();
      } catch (err) {
        // A refused service token is a configuration error; anything else may pass (the registry starting later).
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
