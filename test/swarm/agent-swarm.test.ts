import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent } from '../helpers/agent.js';
import { uploadImage } from '../helpers/images.js';
import { ADMIN_TOKEN } from '../helpers/registry.js';
import { startFullStack, type FullStack } from '../helpers/stack.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function tellerMetric(s: FullStack, name: string): Promise<number> {
  const text = (await s.teller.call('GET', '/metrics')).text;
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

describe('end to end: up (tracker + registry + seeding Teller), three agents fetch one image together', () => {
  let s: FullStack;
  beforeAll(async () => {
    // Teller's BitTorrent egress is capped, as an origin's would be, so the hosts must share
    s = await startFullStack({ teller: { seeding: { enabled: true, upload_limit: 24 * MiB } }, tracker: { announce_interval: 2 } });
  });
  afterAll(async () => s?.close());

  it('all three get identical, correct bytes, and they got pieces from each other', async () => {
    const { id, data } = await uploadImage(s.teller, { size: 64 * MiB, body: { name: 'e2e.img' } });
    await s.stack.synced();
    const uri = `${s.teller.url}/v2/images/${id}`;
    const agents = [0, 1, 2].map(() => startTestAgent(s.teller.url, ADMIN_TOKEN, { fallback_after_s: 60, slow_rate: 0 }));
    try {
      const seededBefore = await tellerMetric(s, 'glance_p2p_teller_seeded_bytes_total');
      const results = await Promise.all(agents.map((a) => a.agent.fetcher.fetch(uri)));
      for (const r of results) {
        expect(r.source).toBe('swarm');
        expect(sha(readFileSync(r.path))).toBe(sha(data));
        expect(r.counts.fromWebSeeds).toBe(0);
      }
      const fromTeller = (await tellerMetric(s, 'glance_p2p_teller_seeded_bytes_total')) - seededBefore;
      const received = results.reduce((sum, r) => sum + r.counts.fromPeers, 0);
      const traded = results.reduce((sum, r) => sum + r.counts.uploaded, 0);
      // the agents' own counters: they sent each other pieces, and Teller sent less than three copies
      expect(received).toBeGreaterThanOrEqual(3 * data.length);
      expect(traded).toBeGreaterThan(0);
      expect(fromTeller).toBeLessThan(3 * data.length);
      // and the tracker saw agents (not Teller) report uploads in this swarm
      await new Promise((r) => setTimeout(r, 2500));
      const swarm = s.stack.tracker.stats(results[0]!.infohash!).swarms[0]!;
      const peers = [...swarm.peers, ...(swarm.departed_peers ?? [])];
      const agentUploads = peers.filter((p) => p.user_id === 'admin').reduce((sum, p) => sum + p.uploaded, 0);
      expect(agentUploads).toBeGreaterThan(0);
    } finally {
      await Promise.all(agents.map((a) => a.close()));
    }
  });
});
