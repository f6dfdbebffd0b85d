import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent } from '../helpers/agent.js';
import { download } from '../helpers/images.js';
import { makePublicTorrent, startPublicTracker, type PublicTracker } from '../helpers/public-swarm.js';
import { ADMIN_TOKEN } from '../helpers/registry.js';
import { startFullStack, type FullStack } from '../helpers/stack.js';
import { startWebtorrentPeer } from '../helpers/webtorrent-peer.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function waitForStatus(s: FullStack, id: string, statuses: string[], timeoutMs = 60_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const image = (await s.teller.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body;
    if (statuses.includes(image.status)) return image;
    if (Date.now() > until) throw new Error(`image ${id} stayed ${image.status}: ${JSON.stringify(image.p2p_progress)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('magnet import: an external public swarm into the store, then our private swarm', () => {
  let s: FullStack;
  let tracker: PublicTracker;
  const importDir = () => join(s.teller.dataDir, 'import');
  const create = async (body: Record<string, unknown> = {}, token = ADMIN_TOKEN) => (await s.teller.call('POST', '/v2/images', { token, body })).body.id as string;
  const start = (id: string, method: Record<string, unknown>, token = ADMIN_TOKEN) => s.teller.call('POST', `/v2/images/${id}/import`, { token, body: { method: { name: 'magnet', ...method } } });

  beforeAll(async () => {
    tracker = await startPublicTracker();
    s = await startFullStack({ teller: { seeding: { enabled: true }, ingest: { stall_timeout_ms: 4000 }, import_swarm: { metadata_timeout_ms: 2500 } } });
  });
  afterAll(async () => {
    await s?.close();
    await tracker?.close();
  });

  it('imports a single-file magnet seeded by webtorrent; the agent then fetches it over our private swarm', async () => {
    const data = randomBytes(6 * MiB + 777);
    const pub = await makePublicTorrent('cirros-public.qcow2', { 'cirros-public.qcow2': data }, [tracker.announce]);
    const seeder = await startWebtorrentPeer({ torrent: pub.torrent, path: pub.root });
    try {
      await seeder.done();
      const id = await create({ name: 'cirros' });
      const res = await start(id, { uri: pub.magnet([tracker.announce]) });
      expect(res.status).toBe(202);
      const image = await waitForStatus(s, id, ['active', 'killed']);
      expect(image).toMatchObject({ status: 'active', name: 'cirros', size: data.length, os_hash_value: sha(data), p2p_source_infohash: pub.infohash, disk_format: 'qcow2', container_format: 'bare' });
      expect(image.p2p_origin_uri).toBe(`magnet:?xt=urn:btih:${pub.infohash}&dn=cirros-public.qcow2`);
      expect(image.p2p_infohash).not.toBe(pub.infohash);
      expect((await download(`${s.teller.url}/v2/images/${id}/file`, { 'x-auth-token': ADMIN_TOKEN })).body.equals(data)).toBe(true);
      expect(readdirSync(importDir())).toEqual([]);
      await s.stack.synced();
      const agent = startTestAgent(s.teller.url, ADMIN_TOKEN, { fallback_after_s: 60, slow_rate: 0 });
      try {
        const fetched = await agent.agent.fetcher.fetch(`${s.teller.url}/v2/images/${id}`);
        expect(fetched.source).toBe('swarm');
        expect(fetched.counts.fromPeers).toBe(data.length);
        expect(sha(readFileSync(fetched.path))).toBe(sha(data));
      } finally {
        await agent.close();
      }
    } finally {
      await seeder.stop();
      pub.remove();
    }
  });

  it('keeps the temp folder clean', () => {
    expect(existsSync(importDir())).toBe(true);
  });
});
