import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACKER_FAILURE_REASONS as REASONS } from '../../src/tracker/index.js';
import { ADMIN_TOKEN, startTrackerStack, type TestImage, type TrackerStack } from '../helpers/tracker-stack.js';
import { httpAnnounce, httpScrape, passkeyOfTorrent, peerId, UdpTrackerClient, udpAnnouncePacket } from '../helpers/tracker-wire.js';

/** A clock the test moves by hand, for peer expiry and connection-id lifetimes. */
function manualClock(start = Date.parse('2026-03-01T00:00:00Z')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('tracker: announces, rejections and scrape over HTTP and UDP', () => {
  const clock = manualClock();
  let s: TrackerStack;
  let alice: string; // member of proj-a
  let bob: string; // member of proj-b
  let carol: string; // reader in proj-c, a member of the shared image
  let priv: TestImage;
  let pub: TestImage;
  let shared: TestImage;
  let announceAlice: string;
  let announceBob: string;

  beforeAll(async () => {
    s = await startTrackerStack({ now: clock.now, tracker: { announce_interval: 30 } });
    alice = await s.registry.token('alice', 'proj-a', ['member']);
    bob = await s.registry.token('bob', 'proj-b', ['member']);
    carol = await s.registry.token('carol', 'proj-c', ['member']);
    priv = await s.activeImage({ token: alice, data: randomBytes(50_000), visibility: 'private', name: 'priv' });
    pub = await s.activeImage({ token: ADMIN_TOKEN, data: randomBytes(40_000), visibility: 'public', name: 'pub' });
    shared = await s.activeImage({ token: alice, data: randomBytes(30_000), visibility: 'shared', name: 'shared' });
    expect((await s.registry.call('POST', `/v2/images/${shared.id}/members`, { token: alice, body: { member: 'proj-c' } })).status).toBe(200);
    expect((await s.registry.call('PUT', `/v2/images/${shared.id}/members/proj-c`, { token: carol, body: { status: 'accepted' } })).status).toBe(200);
    await s.synced();
    announceAlice = `${s.address.httpUrl}/announce?passkey=${encodeURIComponent(await s.passkeyOf(alice))}`;
    announceBob = `${s.address.httpUrl}/announce?passkey=${encodeURIComponent(await s.passkeyOf(bob))}`;
  });
  afterAll(async () => s?.close());

  it('serves the torrent the registry hands out: its announce URLs point here with the caller\'s passkey', async () => {
    const torrent = (await priv.torrentFor(alice)).toString('latin1');
    expect(torrent).toContain(`${s.address.httpUrl}/announce?passkey=`);
    expect(torrent).toContain(`${s.address.udpUrl}/announce?passkey=`);
    expect(s.address.udpUrl).toBe(`udp://127.0.0.1:${s.address.port}`);
  });

  it('admits the owner over HTTP and lists seeders first, leechers only to seeders', async () => {
    const seeders = [7001, 7002];
    for (const port of seeders) expect((await httpAnnounce(announceAlice, { infohash: priv.infohash, port, left: 0, event: 'started' })).failure).toBeUndefined();
    for (const port of [7003, 7004, 7005]) await httpAnnounce(announceAlice, { infohash: priv.infohash, port, left: 100, event: 'started' });
    const leecher = await httpAnnounce(announceAlice, { infohash: priv.infohash, port: 7006, left: 100, event: 'started', numwant: 3 });
    expect(leecher).toMatchObject({ interval: 30, minInterval: 15, complete: 2, incomplete: 4 });
    expect(leecher.peers.slice(0, 2).map((p) => p.port).sort()).toEqual(seeders);
    expect(leecher.peers).toHaveLength(3);
    const seeder = await httpAnnounce(announceAlice, { infohash: priv.infohash, port: 7001, left: 0 });
    expect(seeder.peers.map((p) => p.port).sort()).toEqual([7003, 7004, 7005, 7006]);
    // The dictionary form (compact=0) carries the same peers.
    const dict = await httpAnnounce(announceAlice, { infohash: priv.infohash, port: 7003, left: 100, compact: 0, numwant: 2 });
    expect(dict.peers.map((p) => p.port).sort()).toEqual(seeders);
    expect(dict.peers[0]!.ip).toBe('127.0.0.1');
  });

  it('refuses with a failure reason that says why', async () => {
    const base = `${s.address.httpUrl}/announce`;
    expect((await httpAnnounce(base, { infohash: priv.infohash, port: 7100 })).failure).toBe(REASONS.passkeyMissing);
    expect((await httpAnnounce(`${base}?passkey=forged.AAAAAAAAAAAAAAAAAAAAAA`, { infohash: priv.infohash, port: 7100 })).failure).toBe(REASONS.passkeyInvalid);
    const unregistered = randomBytes(20).toString('hex');
    expect((await httpAnnounce(announceAlice, { infohash: unregistered, port: 7100 })).failure).toBe(REASONS.unregistered);
    expect((await httpAnnounce(announceBob, { infohash: priv.infohash, port: 7100 })).failure).toBe(REASONS.forbidden);
    expect((await httpAnnounce(announceBob, { infohash: shared.infohash, port: 7100 })).failure).toBe(REASONS.forbidden);
    // A refused announce leaves no trace in the swarm.
    expect(s.tracker.stats(priv.infohash).swarms[0]!.peers.some((p) => p.port === 7100)).toBe(false);
  });

  it('lets in accepted members of shared images, anyone with a valid passkey on public ones, and admins everywhere', async () => {
    const carolUrl = `${s.address.httpUrl}/announce?passkey=${encodeURIComponent(await s.passkeyOf(carol))}`;
    expect((await httpAnnounce(carolUrl, { infohash: shared.infohash, port: 7200 })).failure).toBeUndefined();
    expect((await httpAnnounce(carolUrl, { infohash: priv.infohash, port: 7200 })).failure).toBe(REASONS.forbidden);
    expect((await httpAnnounce(announceBob, { infohash: pub.infohash, port: 7201 })).failure).toBeUndefined();
    const anonymous = Buffer.from(await (await fetch(`${s.registry.url}/v2/images/${pub.id}/torrent`)).arrayBuffer());
    const anonPasskey = encodeURIComponent(passkeyOfTorrent(anonymous));
    expect((await httpAnnounce(`${s.address.httpUrl}/announce?passkey=${anonPasskey}`, { infohash: pub.infohash, port: 7202 })).failure).toBeUndefined();
    expect((await httpAnnounce(`${s.address.httpUrl}/announce?passkey=${anonPasskey}`, { infohash: priv.infohash, port: 7202 })).failure).toBe(REASONS.forbidden);
    const adminUrl = `${s.address.httpUrl}/announce?passkey=${encodeURIComponent(await s.passkeyOf(ADMIN_TOKEN))}`;
    expect((await httpAnnounce(adminUrl, { infohash: priv.infohash, port: 7203 })).failure).toBeUndefined();
  });

  it('ignores the ip a client claims, over HTTP and UDP', async () => {
    await httpAnnounce(announceAlice, { infohash: pub.infohash, port: 7300, ip: '10.9.8.7', event: 'started' });
    const udp = new UdpTrackerClient('127.0.0.1', s.address.port);
    try {
      const id = await udp.connect();
      const answer = await udp.announce(id, { infohash: pub.infohash, port: 7301, ip: '10.9.8.6', event: 'started', urlData: `/announce?passkey=${await s.passkeyOf(alice)}` });
      expect(answer?.failure).toBeUndefined();
    } finally {
      udp.close();
    }
    const peers = s.tracker.stats(pub.infohash).swarms[0]!.peers;
    expect(peers.find((p) => p.port === 7300)).toMatchObject({ ip: '127.0.0.1', transport: 'http' });
    expect(peers.find((p) => p.port === 7301)).toMatchObject({ ip: '127.0.0.1', transport: 'udp' });
    expect(peers.some((p) => p.ip.startsWith('10.'))).toBe(false);
  });

  it('reads the UDP passkey from BEP 41 URL data and refuses announces without it', async () => {
    const udp = new UdpTrackerClient('127.0.0.1', s.address.port);
    try {
      const id = await udp.connect();
      const passkey = await s.passkeyOf(alice);
      expect((await udp.announce(id, { infohash: priv.infohash, port: 7400 }))?.failure).toBe(REASONS.passkeyMissing);
      expect((await udp.announce(id, { infohash: priv.infohash, port: 7400, urlData: `/announce?passkey=${passkey}` }))?.failure).toBeUndefined();
      // A long URL spread over several URLData options joins up again.
      const long = `/announce?pad=${'x'.repeat(400)}&passkey=${passkey}`;
      const answer = await udp.announce(id, { infohash: priv.infohash, port: 7401, left: 5, urlData: long });
      expect(answer).toMatchObject({ interval: 30 });
      expect(answer!.peers.length).toBeGreaterThan(0);
      expect((await udp.announce(id, { infohash: priv.infohash, port: 7402, urlData: `/announce?passkey=${await s.passkeyOf(bob)}` }))?.failure).toBe(REASONS.forbidden);
    } finally {
      udp.close();
    }
  });

  it('checks UDP connection ids: per source, not bittorrent-tracker\'s constant, and only for a few minutes', async () => {
    const a = new UdpTrackerClient('127.0.0.1', s.address.port);
    const b = new UdpTrackerClient('127.0.0.1', s.address.port);
    try {
      const urlData = `/announce?passkey=${await s.passkeyOf(alice)}`;
      const constant = Buffer.from('0000041727101980', 'hex');
      expect((await a.announce(constant, { infohash: pub.infohash, port: 7500, urlData }))?.failure).toBe(REASONS.connectionId);
      const idA = await a.connect();
      expect((await b.announce(idA, { infohash: pub.infohash, port: 7501, urlData }))?.failure).toBe(REASONS.connectionId);
      expect((await a.announce(idA, { infohash: pub.infohash, port: 7500, urlData }))?.failure).toBeUndefined();
      clock.advance(2 * 60_000);
      expect((await a.announce(idA, { infohash: pub.infohash, port: 7500, urlData }))?.failure).toBeUndefined();
      clock.advance(2 * 60_000);
      expect((await a.announce(idA, { infohash: pub.infohash, port: 7500, urlData }))?.failure).toBe(REASONS.connectionId);
      // Garbage gets no answer at all.
      expect(await a.request(Buffer.concat([randomBytes(8), Buffer.from([0, 0, 0, 9]), randomBytes(4)]), 300)).toBeUndefined();
      // UDP scrape cannot carry a passkey, so it is refused.
      const idA2 = await a.connect();
      const scrape = await a.scrape(idA2, [pub.infohash]);
      expect(scrape!.readUInt32BE(0)).toBe(3);
      expect(scrape!.subarray(8).toString()).toBe(REASONS.udpScrape);
    } finally {
      a.close();
      b.close();
    }
  });

  it('answers scrapes only for named infohashes the passkey may see, with binary keys', async () => {
    for (const port of [7550, 7551]) await httpAnnounce(announceAlice, { infohash: priv.infohash, port, left: 0, event: 'started' });
    expect((await httpScrape(announceAlice, [])).failure).toBe(REASONS.fullScrape);
    expect((await httpScrape(`${s.address.httpUrl}/announce`, [pub.infohash])).failure).toBe(REASONS.passkeyMissing);
    const both = await httpScrape(announceAlice, [priv.infohash, pub.infohash, randomBytes(20).toString('hex')]);
    expect(Object.keys(both.files).sort()).toEqual([priv.infohash, pub.infohash].sort());
    expect(both.files[priv.infohash]!.complete).toBeGreaterThanOrEqual(2);
    // Each key is exactly 20 raw bytes (bittorrent-tracker wrote them as UTF-8 text).
    expect(both.raw.includes(Buffer.concat([Buffer.from('20:'), Buffer.from(priv.infohash, 'hex')]))).toBe(true);
    const bobs = await httpScrape(announceBob, [priv.infohash, pub.infohash]);
    expect(Object.keys(bobs.files)).toEqual([pub.infohash]);
    expect((await httpScrape(announceBob, [priv.infohash])).failure).toMatch(/^infohash not registered/);
  });

  it('counts bytes per peer and per swarm from announces, never twice', async () => {
    const img = await s.activeImage({ token: alice, data: randomBytes(20_000), name: 'bytes' });
    await s.synced();
    const id = peerId();
    const a = { infohash: img.infohash, port: 7600, peerId: id };
    await httpAnnounce(announceAlice, { ...a, event: 'started', left: 20_000 });
    await httpAnnounce(announceAlice, { ...a, downloaded: 5_000, uploaded: 1_000, left: 15_000 });
    await httpAnnounce(announceAlice, { ...a, downloaded: 20_000, uploaded: 3_000, left: 0, event: 'completed' });
    // webtorrent's last `stopped` has zeros: it must not undo or add anything.
    await httpAnnounce(announceAlice, { ...a, event: 'stopped', left: 0 });
    // A new session restarts the client's counters.
    await httpAnnounce(announceAlice, { ...a, event: 'started', left: 0, uploaded: 500 });
    const swarm = s.tracker.stats(img.infohash).swarms[0]!;
    expect(swarm).toMatchObject({ downloaded: 20_000, uploaded: 3_500, completed: 1, seeders: 1, leechers: 0 });
    expect(swarm.peers[0]).toMatchObject({ uploaded: 3_500, downloaded: 20_000, user_id: 'alice', project_id: 'proj-a', seeder: true });
    const metrics = await (await fetch(`${s.address.httpUrl}/metrics`)).text();
    expect(metrics).toContain(`glance_p2p_tracker_swarm_uploaded_bytes_total{infohash="${img.infohash}",image_id="${img.id}",service="tracker"} 3500`);
    expect(metrics).toMatch(/glance_p2p_tracker_rejections_total\{transport="http",action="announce",reason="forbidden",service="tracker"\} \d+/);
  });

  it('drops peers that stop announcing after two intervals', async () => {
    const img = await s.activeImage({ token: alice, data: randomBytes(10_000), name: 'expiry' });
    await s.synced();
    await httpAnnounce(announceAlice, { infohash: img.infohash, port: 7700, left: 0, event: 'started' });
    clock.advance(45_000);
    await httpAnnounce(announceAlice, { infohash: img.infohash, port: 7701, left: 10, event: 'started' });
    const before = await httpAnnounce(announceAlice, { infohash: img.infohash, port: 7702, left: 10, event: 'started' });
    expect(before.peers.map((p) => p.port)).toContain(7700);
    clock.advance(16_000); // 61 s since 7700's last announce, 16 s since the others'
    const after = await httpAnnounce(announceAlice, { infohash: img.infohash, port: 7702, left: 10 });
    expect(after.peers.map((p) => p.port)).toEqual([7701]);
    expect(after).toMatchObject({ complete: 0, incomplete: 2 });
    expect(s.tracker.stats(img.infohash).swarms[0]!.departed_peers.map((p) => p.port)).toEqual([7700]);
  });

  it('serves /stats to admins only, and /healthz and /metrics to all', async () => {
    expect((await fetch(`${s.address.httpUrl}/stats`)).status).toBe(401);
    expect((await fetch(`${s.address.httpUrl}/stats`, { headers: { 'x-auth-token': 'not-a-token-at-all-0000' } })).status).toBe(401);
    expect((await fetch(`${s.address.httpUrl}/stats`, { headers: { 'x-auth-token': alice } })).status).toBe(403);
    const ok = await fetch(`${s.address.httpUrl}/stats?infohash=${priv.infohash}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { swarms: Array<Record<string, unknown>>; swarm_list: { allowed_swarms: number } };
    expect(body.swarms).toHaveLength(1);
    expect(body.swarms[0]).toMatchObject({ infohash: priv.infohash, image_id: priv.id, visibility: 'private' });
    expect(body.swarm_list.allowed_swarms).toBeGreaterThanOrEqual(3);
    const health = await fetch(`${s.address.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', service: 'tracker' });
    expect((await fetch(`${s.address.httpUrl}/stats.json`)).status).toBe(404);
  });

  it('stops admitting a deactivated image once the registry says so, and forgets its peers', async () => {
    const img = await s.activeImage({ token: alice, data: randomBytes(10_000), name: 'deactivate' });
    await s.synced();
    expect((await httpAnnounce(announceAlice, { infohash: img.infohash, port: 7800, event: 'started' })).failure).toBeUndefined();
    expect((await s.registry.call('POST', `/v2/images/${img.id}/actions/deactivate`, { token: alice })).status).toBe(204);
    await s.synced();
    expect((await httpAnnounce(announceAlice, { infohash: img.infohash, port: 7800 })).failure).toBe(REASONS.unregistered);
    expect(s.tracker.stats(img.infohash).swarms).toHaveLength(0);
    expect((await s.registry.call('POST', `/v2/images/${img.id}/actions/reactivate`, { token: alice })).status).toBe(204);
    await s.synced();
    expect((await httpAnnounce(announceAlice, { infohash: img.infohash, port: 7800 })).failure).toBeUndefined();
  });

  it('drops peers of a principal that lost access when the image changes', async () => {
    const img = await s.activeImage({ token: alice, data: randomBytes(10_000), name: 'unshare', visibility: 'shared' });
    await s.registry.call('POST', `/v2/images/${img.id}/members`, { token: alice, body: { member: 'proj-c' } });
    await s.registry.call('PUT', `/v2/images/${img.id}/members/proj-c`, { token: carol, body: { status: 'accepted' } });
    await s.synced();
    const carolUrl = `${s.address.httpUrl}/announce?passkey=${encodeURIComponent(await s.passkeyOf(carol))}`;
    await httpAnnounce(carolUrl, { infohash: img.infohash, port: 7900, event: 'started' });
    await httpAnnounce(announceAlice, { infohash: img.infohash, port: 7901, event: 'started' });
    expect(s.tracker.stats(img.infohash).swarms[0]!.peers).toHaveLength(2);
    expect((await s.registry.call('DELETE', `/v2/images/${img.id}/members/proj-c`, { token: alice })).status).toBe(204);
    await s.synced();
    expect(s.tracker.stats(img.infohash).swarms[0]!.peers.map((p) => p.port)).toEqual([7901]);
    expect((await httpAnnounce(carolUrl, { infohash: img.infohash, port: 7900 })).failure).toBe(REASONS.forbidden);
  });

  it('answers malformed announces with a reason instead of an error page', async () => {
    const res = await httpAnnounce(announceAlice, { infohash: priv.infohash, port: 0 });
    expect(res.failure).toBe('invalid port');
    const short = await fetch(`${announceAlice}&info_hash=abc&peer_id=x&port=1`);
    expect(short.status).toBe(200);
    expect(await short.text()).toContain('invalid info_hash');
    // The raw packet form of udpAnnouncePacket is what the bench uses; keep it sane.
    expect(udpAnnouncePacket(Buffer.alloc(8), { infohash: pub.infohash, port: 1, urlData: '/x' }).length).toBe(98 + 4);
  });
});
