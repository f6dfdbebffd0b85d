import type { TrackerEngine } from './engine.js';
import type { SwarmList } from './swarm-list.js';
import type { PeerRecord } from './swarm/peer.js';
import type { TrackerSwarm } from './swarm/swarm.js';

/** A peer as `/stats` shows it, with the bytes it reported over all its sessions. */
export interface PeerStats {
  peer_id: string;
  ip: string;
  port: number;
  transport: string;
  user_id: string;
  project_id: string;
  seeder: boolean;
  left: number | null;
  uploaded: number;
  downloaded: number;
  announces: number;
  first_seen: string;
  last_seen: string;
}

/** One swarm in `/stats`. */
export interface SwarmStats {
  infohash: string;
  image_id: string | null;
  visibility: string | null;
  seeders: number;
  leechers: number;
  completed: number;
  announces: number;
  uploaded: number;
  downloaded: number;
  peers: PeerStats[];
  /** Peers that stopped or expired, most recent last (bounded by `departed_peers_kept`). */
  departed_peers: PeerStats[];
}

/** The admin view of the tracker: the list it enforces and every swarm's peers and byte counts. */
export interface TrackerStats {
  swarm_list: { revision: number | null; allowed_swarms: number; loaded_at: string | null };
  totals: { swarms: number; seeders: number; leechers: number; uploaded: number; downloaded: number; announces: number };
  swarms: SwarmStats[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A peer record in its `/stats` form. */
export function peerStats(p: PeerRecord): PeerStats {
  return {
    peer_id: p.peerId,
    ip: p.ip,
    port: p.port,
    transport: p.transport,
    user_id: p.userId,
    project_id: p.projectId,
    seeder: p.complete,
    left: Number.isFinite(p.left) && p.left < Number.MAX_SAFE_INTEGER ? p.left : null,
    uploaded: p.uploaded,
    downloaded: p.downloaded,
    announces: p.announces,
    first_seen: iso(p.firstSeen),
    last_seen: iso(p.lastSeen),
  };
}

function swarmStats(swarm: TrackerSwarm, list: SwarmList): SwarmStats {
  const allowed = list.get(swarm.infohash);
  return {
    infohash: swarm.infohash,
    image_id: allowed?.image_id ?? null,
    visibility: allowed?.visibility ?? null,
    seeders: swarm.seederCount,
    leechers: swarm.leecherCount,
    ...swarm.totals,
    peers: [...swarm.livePeers()].map(peerStats),
    departed_peers: [...swarm.departedPeers()].map(peerStats),
  };
}

/** Build the stats view, optionally for one infohash; silent peers are expired first. */
export function trackerStats(list: SwarmList, engine: TrackerEngine, now: number, infohash?: string): TrackerStats {
  engine.sweep(now);
  const swarms = [...engine.allSwarms()].filter((s) => infohash === undefined || s.infohash === infohash).map((s) => swarmStats(s, list));
  const sum = (pick: (s: SwarmStats) => number) => swarms.reduce((n, s) => n + pick(s), 0);
  return {
    swarm_list: { revision: list.revision ?? null, allowed_swarms: list.size, loaded_at: list.lastLoadedAt === undefined ? null : iso(list.lastLoadedAt) },
    totals: { swarms: swarms.length, seeders: sum((s) => s.seeders), leechers: sum((s) => s.leechers), uploaded: sum((s) => s.uploaded), downloaded: sum((s) => s.downloaded), announces: sum((s) => s.announces) },
    swarms,
  };
}
