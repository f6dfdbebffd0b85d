import { Counter, Gauge, type Registry } from 'prom-client';

/** Teller's own counters (stores have theirs, from the metrics wrapper). */
export interface SeederMetrics {
  /** Bytes sent to HTTP clients, by where they came from: cache, fill, store. */
  servedBytes: Counter<'source'>;
  /** GET /file requests by outcome. */
  requests: Counter<'source' | 'outcome'>;
  cacheFills: Counter<'outcome'>;
  ingestBytes: Counter<'method'>;
  ingests: Counter<'method' | 'outcome'>;
  cacheBytes: Gauge;
  /** Piece bytes sent to BitTorrent peers. */
  seededBytes: Counter;
  /** Piece bytes Teller read from object stores to seed (cache misses). */
  seedStoreBytes: Counter;
  seedingTorrents: Gauge;
  /** BitTorrent peers Teller banned (bad pieces, or past a connection's limits). */
  peersBanned: Counter;
  /** Reads from object stores whose bytes failed verification. */
  corruptReads: Counter;
}

/** Register Teller's metrics on the service's registry. */
export function seederMetrics(registry: Registry): SeederMetrics {
  return {
    servedBytes: new Counter({ name: 'glance_p2p_teller_served_bytes_total', help: 'Image bytes sent over HTTP by source', labelNames: ['source'], registers: [registry] }),
    requests: new Counter({ name: 'glance_p2p_teller_file_requests_total', help: 'Image file requests by source and outcome', labelNames: ['source', 'outcome'], registers: [registry] }),
    cacheFills: new Counter({ name: 'glance_p2p_teller_cache_fills_total', help: 'Cache fills by outcome', labelNames: ['outcome'], registers: [registry] }),
    ingestBytes: new Counter({ name: 'glance_p2p_teller_ingest_bytes_total', help: 'Bytes ingested by method', labelNames: ['method'], registers: [registry] }),
    ingests: new Counter({ name: 'glance_p2p_teller_ingests_total', help: 'Uploads and imports by method and outcome', labelNames: ['method', 'outcome'], registers: [registry] }),
    cacheBytes: new Gauge({ name: 'glance_p2p_teller_cache_bytes', help: 'Bytes held in the cache', registers: [registry] }),
    seededBytes: new Counter({ name: 'glance_p2p_teller_seeded_bytes_total', help: 'Piece bytes sent to BitTorrent peers', registers: [registry] }),
    seedStoreBytes: new Counter({ name: 'glance_p2p_teller_seed_store_read_bytes_total', help: 'Piece bytes read from object stores for seeding', registers: [registry] }),
    seedingTorrents: new Gauge({ name: 'glance_p2p_teller_seeding_torrents', help: 'Images seeded over BitTorrent', registers: [registry] }),
    peersBanned: new Counter({ name: 'glance_p2p_teller_peers_banned_total', help: 'BitTorrent peers banned for bad pieces or for going past a connection\'s limits', registers: [registry] }),
    corruptReads: new Counter({ name: 'glance_p2p_teller_corrupt_reads_total', help: 'Reads from object stores whose bytes failed verification (the piece is then refused for corrupt_retry_s)', registers: [registry] }),
  };
}
