import { Type, type Static } from '@sinclair/typebox';
import { PortSchema, TlsConfigSchema } from '../core/config-types.js';
import { validateConfig } from '../core/config.js';

/** The tracker's configuration, with defaults for the embedded single-host setup. */
export const TrackerConfigSchema = Type.Object(
  {
    /** Address for HTTP and UDP (IPv4 or IPv6). */
    host: Type.String({ default: '127.0.0.1' }),
    /** Host name clients reach the tracker by, for the announce URLs it prints (default: `host`, or 127.0.0.1 when that is a wildcard). */
    public_host: Type.Optional(Type.String({ minLength: 1 })),
    /** One port number for HTTP and UDP; 0 picks a free one that both can use. */
    port: PortSchema(6969),
    /** Serve the UDP protocol (BEP 15) beside HTTP. */
    udp: Type.Boolean({ default: true }),
    /** Also answer UDP on this IPv6 address (e.g. `::1`); off when unset. */
    udp6_host: Type.Optional(Type.String({ minLength: 1 })),
    /** Base URL of Parallax; the tracker reads the swarm list from its internal API. */
    registry_url: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:9191' }),
    /** Service token for the registry's internal API. */
    service_token: Type.String({ minLength: 16 }),
    /** Secret shared with the registry; passkeys are HMACs under it. */
    tracker_secret: Type.String({ minLength: 16 }),
    /** Seconds between announces that the tracker asks of clients. */
    announce_interval: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
    /** Seconds a client must at least wait between announces (`min interval`); default half the interval. */
    min_announce_interval: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    /** Seconds without an announce after which a peer leaves the lists; default two intervals. */
    peer_ttl: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400 })),
    /** Peers given when the client does not ask for a number. */
    default_numwant: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
    /** Most peers given in one answer (UDP answers stop at 200 to stay in one datagram). */
    max_numwant: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    /** Most live peers one swarm keeps; the longest silent one makes room. */
    max_peers_per_swarm: Type.Integer({ minimum: 1, default: 50_000 }),
    /** Byte counts of peers that left, kept per swarm for /stats. */
    departed_peers_kept: Type.Integer({ minimum: 0, default: 1000 }),
    /** Seconds the tracker waits on the registry's change feed before refreshing anyway (≤ 120). */
    refresh_interval: Type.Integer({ minimum: 1, maximum: 120, default: 30 }),
    /** Serve `/stats` (admins only). */
    stats: Type.Boolean({ default: true }),
    /** Seconds an admin-token check by the registry is remembered. */
    admin_cache_ttl: Type.Integer({ minimum: 0, maximum: 3600, default: 30 }),
    tls: Type.Optional(TlsConfigSchema),
  },
  { additionalProperties: false },
);

/** A validated tracker config with every default filled in. */
export type TrackerConfig = Static<typeof TrackerConfigSchema>;

/** Validate a tracker config object and fill in its defaults. */
export function resolveTrackerConfig(input: unknown): TrackerConfig {
  return validateConfig(TrackerConfigSchema, input, 'tracker config');
}

/** Timings in milliseconds derived from a config, so the rest of the tracker needs no defaults logic. */
export interface TrackerTimings {
  intervalMs: number;
  minIntervalMs: number;
  peerTtlMs: number;
}

/** The interval, min interval and peer lifetime a config implies. */
export function timingsOf(config: TrackerConfig): TrackerTimings {
  const intervalMs = config.announce_interval * 1000;
  return {
    intervalMs,
    minIntervalMs: (config.min_announce_interval ?? Math.max(1, Math.floor(config.announce_interval / 2))) * 1000,
    peerTtlMs: (config.peer_ttl ?? config.announce_interval * 2) * 1000,
  };
}
