import Server, { type ServerSwarm } from 'bittorrent-tracker/server';
import type { PeerRecord } from './swarm/peer.js';
import type { SwarmList } from './swarm-list.js';
import { TrackerSwarm, type AnnounceParams, type SwarmOptions } from './swarm/swarm.js';

/** What an admitted announce gets back: counts, timings and the chosen peers (not yet encoded). */
export interface AnnounceResult {
  complete: number;
  incomplete: number;
  interval: number;
  'min interval': number;
  peers: PeerRecord[];
}

const ANNOUNCE = 1;

/**
 * bittorrent-tracker's Server used as the announce engine only: its `filter`
 * hook runs our admission check, and its swarm hooks hold our TrackerSwarm.
 * Its own sockets, /stats, scrape and events stay off; the HTTP and UDP front
 * ends here parse and encode requests themselves, since those are where its gaps are.
 */
export class TrackerEngine extends Server {
  private readonly swarms = new Map<string, TrackerSwarm>();

  constructor(
    list: SwarmList,
    private readonly swarmOptions: SwarmOptions,
  ) {
    super({
      http: false,
      udp: false,
      ws: false,
      stats: false,
      interval: swarmOptions.intervalSeconds * 1000,
      filter(infoHash, params, cb) {
        try {
          const { claims } = list.admit(infoHash, params.passkey as string | undefined);
          params.claims = claims;
          cb(null);
        } catch (err) {
          cb(err as Error);
        }
      },
    });
  }

  /** Admit and record an announce; rejects with a TrackerRejection when the filter refuses. */
  announce(params: AnnounceParams): Promise<AnnounceResult> {
    params.action = ANNOUNCE;
    // Neither 0 nor 1: the server hands back the peer records, and the front ends encode them.
    params.compact = -1;
    return new Promise((resolve, reject) => {
      this._onRequest(params, (err, response) => (err ? reject(err) : resolve(response as unknown as AnnounceResult)));
    });
  }

  override createSwarm(infoHash: string, cb: (err: Error | null, swarm?: ServerSwarm) => void): void {
    const swarm = new TrackerSwarm(infoHash, this.swarmOptions);
    this.swarms.set(infoHash, swarm);
    cb(null, swarm);
  }

  override getSwarm(infoHash: string, cb: (err: Error | null, swarm?: ServerSwarm) => void): void {
    cb(null, this.swarms.get(infoHash));
  }

  /** The swarm of an infohash, if any peer announced to it. */
  swarm(infohash: string): TrackerSwarm | undefined {
    return this.swarms.get(infohash);
  }

  /** Every swarm with state. */
  allSwarms(): IterableIterator<TrackerSwarm> {
    return this.swarms.values();
  }

  /** Forget a swarm whose image is no longer allowed. */
  drop(infohash: string): void {
    this.swarms.delete(infohash);
  }

  /** Expire silent peers in every swarm (swarms stay, with their totals, while their image is allowed). */
  sweep(now: number): void {
    for (const swarm of this.swarms.values()) swarm.expire(now);
  }
}
