import { Counter, Gauge, type Registry } from 'prom-client';
import type { TrackerEngine } from './engine.js';
import type { RejectionCode } from './errors.js';
import type { SwarmList } from './swarm-list.js';
import type { Transport } from './swarm/peer.js';

/**
 * The tracker's Prometheus series. Byte counters are per swarm (labelled with
 * the infohash and image id) so that tests and operators can see peers trading
 * pieces; peer counts are read from the swarms when scraped.
 */
export class TrackerMetrics {
  private readonly announces: Counter<'transport' | 'event'>;
  private readonly rejections: Counter<'transport' | 'action' | 'reason'>;
  private readonly scrapes: Counter<'transport'>;
  private readonly uploaded: Counter<'infohash' | 'image_id'>;
  private readonly downloaded: Counter<'infohash' | 'image_id'>;
  private readonly refreshErrors: Counter;

  constructor(registry: Registry, list: SwarmList, engine: TrackerEngine) {
    const registers = [registry];
    this.announces = new Counter({ name: 'glance_p2p_tracker_announces_total', help: 'Announces admitted, by transport and event', labelNames: ['transport', 'event'], registers });
    this.rejections = new Counter({ name: 'glance_p2p_tracker_rejections_total', help: 'Requests refused, by transport, action and reason', labelNames: ['transport', 'action', 'reason'], registers });
    this.scrapes = new Counter({ name: 'glance_p2p_tracker_scrapes_total', help: 'Scrapes answered, by transport', labelNames: ['transport'], registers });
    this.uploaded = new Counter({ name: 'glance_p2p_tracker_swarm_uploaded_bytes_total', help: 'Bytes peers reported uploading, per swarm', labelNames: ['infohash', 'image_id'], registers });
    this.downloaded = new Counter({ name: 'glance_p2p_tracker_swarm_downloaded_bytes_total', help: 'Bytes peers reported downloading, per swarm', labelNames: ['infohash', 'image_id'], registers });
    this.refreshErrors = new Counter({ name: 'glance_p2p_tracker_swarm_list_errors_total', help: 'Failed refreshes of the swarm list from the registry', registers });
    new Gauge({
      name: 'glance_p2p_tracker_peers',
      help: 'Live peers by state',
      labelNames: ['state'],
      registers,
      collect() {
        let seeders = 0;
        let leechers = 0;
        for (const swarm of engine.allSwarms()) {
          seeders += swarm.seederCount;
          leechers += swarm.leecherCount;
        }
        this.set({ state: 'seeder' }, seeders);
        this.set({ state: 'leecher' }, leechers);
      },
    });
    new Gauge({
      name: 'glance_p2p_tracker_allowed_swarms',
      help: 'Infohashes the registry allows (active images)',
      registers,
      collect() {
        this.set(list.size);
      },
    });
    new Gauge({
      name: 'glance_p2p_tracker_swarm_list_revision',
      help: 'Registry revision of the swarm list in use (-1 before the first load)',
      registers,
      collect() {
        this.set(list.revision ?? -1);
      },
    });
  }

  announced(transport: Transport, event: string): void {
    this.announces.inc({ transport, event });
  }

  rejected(transport: Transport, action: 'announce' | 'scrape' | 'connect', reason: RejectionCode): void {
    this.rejections.inc({ transport, action, reason });
  }

  scraped(transport: Transport): void {
    this.scrapes.inc({ transport });
  }

  transferred(infohash: string, imageId: string, uploaded: number, downloaded: number): void {
    if (uploaded > 0) this.uploaded.inc({ infohash, image_id: imageId }, uploaded);
    if (downloaded > 0) this.downloaded.inc({ infohash, image_id: imageId }, downloaded);
  }

  refreshFailed(): void {
    this.refreshErrors.inc();
  }
}
