import { Type, type Static } from '@sinclair/typebox';

/**
 * The BitTorrent client Teller uses to pull images in: public swarms (magnet and
 * .torrent imports) and other installations' private swarms (glance-download). It is
 * a separate client from the seeding one, because public swarms want what private
 * ones must not have (DHT, PEX).
 */
export const ImportSwarmSchema = Type.Object(
  {
    /** Off: the magnet method is not offered and copies go over HTTP only. */
    enabled: Type.Boolean({ default: true }),
    /** TCP port for peer connections (0: any free port). */
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
    max_conns: Type.Integer({ minimum: 1, default: 55 }),
    /** Mainline DHT for magnets (never used for private torrents); off, as most datacenters want. */
    dht: Type.Boolean({ default: false }),
    /** DHT bootstrap nodes (`host:port`); empty: the DHT library's public defaults. */
    dht_bootstrap: Type.Array(Type.String({ pattern: '^[^\\s:]+:\\d+$' }), { default: [] }),
    /** Peer exchange in public swarms (private torrents never use it). */
    pex: Type.Boolean({ default: true }),
    /** HTTP web seeds (a magnet's `ws=`, a torrent's url-list). */
    web_seeds: Type.Boolean({ default: true }),
    /** Fetch the metadata from a magnet's `xs=` URL (checked against the infohash like any other source). */
    exact_sources: Type.Boolean({ default: true }),
    /** A magnet whose metadata does not arrive within this long is killed. */
    metadata_timeout_ms: Type.Integer({ minimum: 100, default: 120_000 }),
    /** A copy from another installation adds the source Teller as a web seed when no peer sent a byte after this long. */
    web_seed_after_ms: Type.Integer({ minimum: 0, default: 5_000 }),
    /** Largest .torrent file fetched from a URL. */
    max_torrent_bytes: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024 }),
    /** Where downloads are kept until stored; defaults to `<data_dir>/import`. */
    temp_dir: Type.Optional(Type.String()),
  },
  { additionalProperties: false, default: {} },
);

/** Settings of Teller's import swarm client. */
export type ImportSwarmConfig = Static<typeof ImportSwarmSchema>;
