import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACKER_FAILURE_REASONS as REASONS } from '../../src/tracker/index.js';
import { startAria2 } from '../helpers/aria2.js';
import { startLibtorrent } from '../helpers/libtorrent.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startTrackerStack, type TestImage, type TrackerStack } from '../helpers/tracker-stack.js';
import { startWebtorrentPeer, type WebtorrentPeer } from '../helpers/webtorrent-peer.js';
import { announceUrlsOf, unregisteredTorrent, withAnnounceUrls } from './torrent-files.js';

const SIZE = 3 * 1024 * 1024 + 12345;
const PIECE = 256 * 1024;

describe('tracker: real BitTorrent peers through it (webtorrent seeds, aria2c and libtorrent leech)', () => {
  let s: TrackerStack;
  let alice: string;
  let dave: string; // same project as alice
  let bob: string; // another project: no access to alice's private image
  let image: TestImage;
  let seeder: WebtorrentPeer;
  const work = tempDir('glance-p2p-tracker-peers-');

  beforeAll(async () => {
    s = await startTrackerStack();
    alice = await s.registry.token('alice', 'proj-a', ['member']);
    dave = await s.registry.token('dave', 'proj-a', ['reader']);
    bob = await s.registry.token('bob', 'proj-b', ['member']);
    image = await s.activeImage({ token: alice, data: randomBytes(SIZE), visibility: 'private', name: 'disk.raw', pieceLength: PIECE });
    await s.synced();
    const seedDir = join(work.path, 'seed');
    mkdirSync(seedDir);
    writeFileSync(join(seedDir, 'disk.raw'), image.data);
    seeder = await startWebtorrentPeer({ torrent: await image.torrentFor(alice), path: seedDir });
    await seeder.done();
    // The seeder is in the swarm once the tracker lists it.
    for (let i = 0; i < 200 && s.tracker.stats(image.infohash).swarms[0]?.seeders !== 1; i++) await new Promise((r) => setTimeout(r, 50));
    expect(s.tracker.stats(image.infohash).swarms[0]?.seeders).toBe(1);
  });
  afterAll(async () => {
    await seeder?.stop();
    await s?.close();
    work.remove();
  });

  it('aria2c downloads over HTTP announce with the torrent the registry serves', async () => {
    const torrent = await image.torrentFor(dave);
    expect(announceUrlsOf(torrent)[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/announce\?passkey=/);
    const aria2 = await startAria2({ torrent });
    try {
      expect(await aria2.exited()).toBe(0);
      expect(readFileSync(join(aria2.dir, 'disk.raw')).equals(image.data)).toBe(true);
    } finally {
      await aria2.stop();
    }
    // aria2 reported `completed` and `stopped` with its byte counts; the tracker kept them.
    const swarm = s.tracker.stats(image.infohash).swarms[0]!;
    const leecher = swarm.departed_peers.find((p) => p.user_id === 'dave');
    expect(leecher).toMatchObject({ transport: 'http', project_id: 'proj-a', seeder: true });
    expect(leecher!.downloaded).toBeGreaterThanOrEqual(SIZE);
    expect(swarm.completed).toBeGreaterThanOrEqual(1);
  });

  it('libtorrent downloads over UDP, sending the passkey as BEP 41 URL data', async () => {
    const torrent = await image.torrentFor(dave);
    const udp = announceUrlsOf(torrent).find((u) => u.startsWith('udp://'))!;
    const peer = await startLibtorrent({ torrent, trackers: [udp] });
    try {
      await peer.waitFor('finished');
      expect(readFileSync(join(peer.dir, 'disk.raw')).equals(image.data)).toBe(true);
      expect(peer.events().some((e) => e.type === 'tracker_reply' && e.url === udp)).toBe(true);
      const me = s.tracker.stats(image.infohash).swarms[0]!.peers.find((p) => p.port === peer.listenPort);
      expect(me).toMatchObject({ transport: 'udp', user_id: 'dave', ip: '127.0.0.1' });
    } finally {
      await peer.stop();
    }
  });

  it('libtorrent downloads over HTTP announce', async () => {
    const torrent = await image.torrentFor(alice);
    const http = announceUrlsOf(torrent).find((u) => u.startsWith('http://'))!;
    const peer = await startLibtorrent({ torrent, trackers: [http] });
    try {
      await peer.waitFor('finished');
      expect(readFileSync(join(peer.dir, 'disk.raw')).equals(image.data)).toBe(true);
      expect(s.tracker.stats(image.infohash).swarms[0]!.peers.find((p) => p.port === peer.listenPort)).toMatchObject({ transport: 'http', user_id: 'alice' });
    } finally {
      await peer.stop();
    }
    // Its `stopped` announce carried its counters.
    const gone = s.tracker.stats(image.infohash).swarms[0]!.departed_peers.find((p) => p.user_id === 'alice' && p.transport === 'http');
    expect(gone?.downloaded).toBeGreaterThanOrEqual(SIZE);
  });

  describe.concurrent('aria2c shows the reason for a refusal', () => {
    const refusals: Array<[string, () => Promise<Buffer>, string]> = [
      ['an unregistered infohash', async () => unregisteredTorrent(randomBytes(40_000), announceUrlsOf(await image.torrentFor(alice))[0]!), REASONS.unregistered],
      ['a wrong passkey', async () => withAnnounceUrls(await image.torrentFor(alice), [`${s.address.httpUrl}/announce?passkey=YWxpY2UKcHJvai1hCmE.AAAAAAAAAAAAAAAAAAAAAA`]), REASONS.passkeyInvalid],
      ['a principal without read access to the private image', async () => withAnnounceUrls(await image.torrentFor(alice), [`${s.address.httpUrl}/announce?passkey=${encodeURIComponent(await s.passkeyOf(bob))}`]), REASONS.forbidden],
    ];
    for (const [what, torrent, reason] of refusals) {
      it(`refuses ${what}`, async () => {
        const aria2 = await startAria2({ torrent: await torrent() });
        try {
          expect(await aria2.waitForFailureReason()).toBe(reason);
        } finally {
          await aria2.stop();
        }
      });
    }
  });

  it('refuses UDP announces from clients that send no BEP 41 URL data (aria2c, webtorrent), with the reason', async () => {
    const torrent = await image.torrentFor(dave);
    const udp = announceUrlsOf(torrent).find((u) => u.startsWith('udp://'))!;
    const aria2 = await startAria2({ torrent, trackers: [udp], udp: true });
    const wt = await startWebtorrentPeer({ torrent: withAnnounceUrls(torrent, [udp]) });
    try {
      expect(await aria2.waitForFailureReason()).toBe(REASONS.passkeyMissing);
      for (let i = 0; i < 200 && !wt.warnings().includes(REASONS.passkeyMissing); i++) await new Promise((r) => setTimeout(r, 50));
      expect(wt.warnings()).toContain(REASONS.passkeyMissing);
    } finally {
      await aria2.stop();
      await wt.stop();
    }
  });

  it('refuses libtorrent over UDP with a wrong passkey', async () => {
    const torrent = await image.torrentFor(dave);
    const udp = announceUrlsOf(torrent).find((u) => u.startsWith('udp://'))!.replace(/passkey=[^&]+/, 'passkey=forged.AAAAAAAAAAAAAAAAAAAAAA');
    const peer = await startLibtorrent({ torrent, trackers: [udp] });
    try {
      const err = await peer.waitFor('tracker_error');
      expect(err.url).toBe(udp);
      // libtorrent's Python binding shows the UDP failure text empty (REAL-PARTS.md); the tracker's count shows why.
      const metrics = await (await fetch(`${s.address.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/glance_p2p_tracker_rejections_total\{transport="udp",action="announce",reason="passkey_invalid",service="tracker"\} [1-9]/);
    } finally {
      await peer.stop();
    }
  });
});
