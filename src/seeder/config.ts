import { Type, type Static } from '@sinclair/typebox';
import { PortSchema, TlsConfigSchema } from '../core/config-types.js';
import { validateConfig } from '../core/config.js';
import { RegistryListSchema } from '../core/registry-directory.js';
import { ImportSwarmSchema } from './import-swarm/config.js';

const MiB = 1024 * 1024;

/** Teller's local cache: a folder with a size cap. */
const CacheSchema = Type.Object(
  {
    /** Defaults to `<data_dir>/cache`. */
    dir: Type.Optional(Type.String()),
    /** 0 turns the cache off (every GET streams from the store). */
    max_bytes: Type.Integer({ minimum: 0, default: 20 * 1024 * MiB }),
  },
  { additionalProperties: false, default: {} },
);

/** Limits and behaviour of uploads and imports. */
const IngestSchema = Type.Object(
  {
    /** Objects per image in the store: 256 MiB by default, rounded down to a multiple of the piece length. */
    chunk_size: Type.Integer({ minimum: 16384, maximum: 5 * 1024 * MiB, default: 256 * MiB }),
    /** Uploads and imports larger than this fail with 413 / killed. */
    max_image_bytes: Type.Integer({ minimum: 0, default: 1024 * 1024 * MiB }),
    /** An import that makes no progress for this long is killed. */
    stall_timeout_ms: Type.Integer({ minimum: 1000, default: 120_000 }),
    /** Key prefix of image chunks in the store. */
    key_prefix: Type.String({ default: 'images' }),
    /**
     * Compute Glance's legacy `checksum` (MD5 of the whole image) beside os_hash_value.
     * Clients check os_hash_value first; turning this off saves the slowest hash (~30% of ingest CPU).
     */
    md5_checksum: Type.Boolean({ default: true }),
    /**
     * Where a web-download may fetch from (Glance's import filtering, plus addresses): by default
     * ports 80 and 443 only, and no loopback, private, link-local (the cloud's metadata service)
     * or other non-public address, checked on every redirect and when connecting. Admins are exempt
     * unless `filter_admins`.
     */
    web_download: Type.Object(
      {
        allowed_ports: Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), { default: [80, 443] }),
        allowed_hosts: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
        disallowed_hosts: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
        private_networks: Type.Boolean({ default: false }),
        filter_admins: Type.Boolean({ default: false }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

/** BitTorrent seeding of active images. */
const SeedingSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** TCP port for peer connections (0: any free port). */
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
    /** Seed at most this many images, the most wanted first (0: all active images). */
    max_torrents: Type.Integer({ minimum: 0, default: 0 }),
    /** Peer connections per torrent. */
    max_conns: Type.Integer({ minimum: 1, default: 64 }),
    /** Whole pieces kept in memory per torrent in front of the stores. */
    piece_cache_slots: Type.Integer({ minimum: 0, default: 8 }),
    /** Cap on bytes/s Teller sends to peers (0: none): leaves the rest of the load to the hosts. */
    upload_limit: Type.Integer({ minimum: 0, default: 0 }),
    /**
     * Pieces shown to each peer at a time (sparse seeding, after BitTorrent's super-seeding): a peer gets
     * another once a piece it fetched has reached another peer, so Teller sends each piece about once.
     * 0 shows every piece, as a plain seed does.
     */
    offer_window: Type.Integer({ minimum: 0, default: 2 }),
  },
  { additionalProperties: false, default: {} },
);

/** Teller's configuration. */
export const SeederConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: PortSchema(9292),
    /** Base of the URLs Teller hands out (signed web-seed URLs); derived from host and port when empty. */
    public_url: Type.Optional(Type.String({ pattern: '^https?://' })),
    data_dir: Type.String({ default: './data' }),
    /** The registry Teller reads metadata from and records ingests in. */
    registry_url: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:9191' }),
    /** A token with the service role on that registry. */
    service_token: Type.String({ minLength: 1 }),
    /** Secret for signed, expiring file URLs (shared by every Teller behind one load balancer). */
    url_secret: Type.String({ minLength: 16 }),
    /** How long a signed file URL stays valid by default. */
    signed_url_ttl_s: Type.Integer({ minimum: 1, default: 3600 }),
    /** Object stores: `[{id, type, options}]`; `default_store` takes new images. */
    stores: Type.Array(Type.Record(Type.String(), Type.Unknown()), { minItems: 1 }),
    default_store: Type.Optional(Type.String()),
    cache: CacheSchema,
    ingest: IngestSchema,
    seeding: SeedingSchema,
    /** The BitTorrent client that pulls images in: magnet imports and copies over other installations' swarms. */
    import_swarm: ImportSwarmSchema,
    /** Other registries Teller may copy images from (glance-download), with their tokens. */
    registries: RegistryListSchema,
    /**
     * Seconds a piece found corrupt in its store is refused (a 502 naming it) without being read
     * again; after that it is read and checked anew, so a repaired store is served. 0: read every time.
     */
    corrupt_retry_s: Type.Number({ minimum: 0, default: 60 }),
    /** HTTP caches in front of Teller (Varnish, nginx) that get a PURGE when an image is deactivated or deleted. */
    purge_urls: Type.Array(Type.String({ pattern: '^https?://' }), { default: [] }),
    tls: Type.Optional(TlsConfigSchema),
    body_limit: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
  },
  { additionalProperties: false },
);

export type SeederConfig = Static<typeof SeederConfigSchema>;

/** Validate Teller's config and fill in its defaults. */
export function resolveSeederConfig(input: unknown): SeederConfig {
  return validateConfig(SeederConfigSchema, input, 'seeder config');
}
