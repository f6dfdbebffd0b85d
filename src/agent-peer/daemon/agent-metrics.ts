import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { totalCounter } from '../../core/http/metrics.js';
import type { Agent } from '../agent.js';

/** What the daemon counts itself; the rest is read from the agent when scraped. */
export interface AgentMetrics {
  /** Fetches by source (cache, swarm, http; failed ones: none) and outcome. */
  fetches: Counter<'source' | 'outcome'>;
  fetchSeconds: Histogram<'source'>;
}

/**
 * The agent daemon's metrics: fetches and their durations, the swarm's bytes by
 * source and direction over every torrent since start, peers banned, and what the
 * host holds and seeds.
 */
export function agentMetrics(registry: Registry, agent: Agent): AgentMetrics {
  totalCounter(registry, 'glance_p2p_agent_bytes_from_peers_total', 'Piece bytes received from BitTorrent peers', () => agent.swarmTotals().fromPeers);
  totalCounter(registry, 'glance_p2p_agent_bytes_from_web_seeds_total', 'Piece bytes received from Teller as a web seed', () => agent.swarmTotals().fromWebSeeds);
  totalCounter(registry, 'glance_p2p_agent_bytes_to_peers_total', 'Piece bytes sent to BitTorrent peers', () => agent.swarmTotals().uploaded);
  totalCounter(registry, 'glance_p2p_agent_peers_banned_total', 'Peers banned for bad pieces or for going past a connection\'s limits', () => agent.swarmTotals().peersBanned);
  new Gauge({
    name: 'glance_p2p_agent_held_bytes',
    help: 'Bytes of verified images held on this host',
    registers: [registry],
    async collect() {
      this.set((await agent.cache.held()).reduce((sum, h) => sum + h.size, 0));
    },
  });
  new Gauge({
    name: 'glance_p2p_agent_seeding_torrents',
    help: 'Images this host seeds',
    registers: [registry],
    collect() {
      this.set(agent.seeding().length);
    },
  });
  return {
    fetches: new Counter({ name: 'glance_p2p_agent_fetches_total', help: 'Fetches by source (cache, swarm, http; none when failed) and outcome', labelNames: ['source', 'outcome'], registers: [registry] }),
    fetchSeconds: new Histogram({
      name: 'glance_p2p_agent_fetch_duration_seconds',
      help: 'Time from the request to a verified image, by source',
      labelNames: ['source'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers: [registry],
    }),
  };
}
