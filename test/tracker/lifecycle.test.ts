import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPasskey } from '../../src/core/passkey.js';
import { createTracker, resolveTrackerConfig, TRACKER_FAILURE_REASONS as REASONS } from '../../src/tracker/index.js';
import { freePort } from '../helpers/free-port.js';
import { testLogger } from '../helpers/logger.js';
import { SERVICE_TOKEN, TRACKER_SECRET } from '../helpers/registry.js';
import { startTrackerStack } from '../helpers/tracker-stack.js';
import { httpAnnounce, UdpTrackerClient } from '../helpers/tracker-wire.js';

const base = { host: '127.0.0.1', port: 0, service_token: SERVICE_TOKEN, tracker_secret: TRACKER_SECRET };

describe('tracker: start, readiness, options', () => {
  it('starts without a reachable registry, refuses announces as not ready and says so on /healthz', async () => {
    const tracker = createTracker(resolveTrackerConfig({ ...base, registry_url: `http://127.0.0.1:${await freePort()}`, stats: false, udp: false, public_host: 'tracker.example.org' }), testLogger());
    try {
      const address = await tracker.start();
      expect(address.udpUrl).toBeUndefined();
      expect(address.httpUrl).toBe(`http://127.0.0.1:${address.port}`);
      expect(address.announceTemplates).toEqual([`http://tracker.example.org:${address.port}/announce?passkey={passkey}`]);
      expect(tracker.swarmListRevision).toBeUndefined();
      const health = await fetch(`${address.httpUrl}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'unavailable', service: 'tracker' });
      const passkey = createPasskey(TRACKER_SECRET, { userId: 'u', projectId: 'p', admin: false });
      expect((await httpAnnounce(`${address.httpUrl}/announce?passkey=${passkey}`, { infohash: randomBytes(20).toString('hex'), port: 1 })).failure).toBe(REASONS.notReady);
      // stats: false leaves /stats out altogether (bittorrent-tracker's own /stats is never on).
      expect((await fetch(`${address.httpUrl}/stats`)).status).toBe(404);
      expect(await (await fetch(`${address.httpUrl}/metrics`)).text()).toContain('glance_p2p_tracker_swarm_list_revision{service="tracker"} -1');
    } finally {
      await tracker.close();
    }
  });

  it('fails to start when the registry refuses its service token', async () => {
    const s = await startTrackerStack();
    const tracker = createTracker(resolveTrackerConfig({ ...base, registry_url: s.registry.url, service_token: 'not-the-service-token-000' }), testLogger());
    try {
      await expect(tracker.start()).rejects.toThrow(/not valid/);
    } finally {
      await tracker.close();
      await s.close();
    }
  });

  it('answers UDP over IPv6 too, with 18-byte peer entries', async () => {
    const s = await startTrackerStack({ tracker: { udp6_host: '::1' } });
    const udp6 = new UdpTrackerClient('::1', s.address.port);
    try {
      expect(s.address.udp6Url).toBe(`udp://[::1]:${s.address.port}`);
      const alice = await s.registry.token('alice', 'proj-a', ['member']);
      const image = await s.activeImage({ token: alice, data: randomBytes(5000) });
      await s.synced();
      const urlData = `/announce?passkey=${await s.passkeyOf(alice)}`;
      const id = await udp6.connect();
      await udp6.announce(id, { infohash: image.infohash, port: 9001, left: 0, event: 'started', urlData });
      const answer = await udp6.announce(id, { infohash: image.infohash, port: 9002, event: 'started', urlData });
      expect(answer).toMatchObject({ complete: 1, incomplete: 1, peers: [{ ip: '0000:0000:0000:0000:0000:0000:0000:0001', port: 9001 }] });
      expect(s.tracker.stats(image.infohash).swarms[0]!.peers.map((p) => p.ip)).toEqual(['::1', '::1']);
    } finally {
      udp6.close();
      await s.close();
    }
  });

  it('validates its config and fills in the defaults', () => {
    const config = resolveTrackerConfig({ service_token: SERVICE_TOKEN, tracker_secret: TRACKER_SECRET });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 6969, udp: true, announce_interval: 30, default_numwant: 50, max_numwant: 100, refresh_interval: 30, stats: true, registry_url: 'http://127.0.0.1:9191' });
    expect(() => resolveTrackerConfig({ service_token: SERVICE_TOKEN })).toThrow(/tracker_secret/);
    expect(() => resolveTrackerConfig({ ...base, refresh_interval: 600 })).toThrow(/refresh_interval/);
    expect(() => resolveTrackerConfig({ ...base, surprise: 1 })).toThrow(/tracker config/);
  });
});
