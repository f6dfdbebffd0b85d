import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import bencode from 'bencode';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent } from '../helpers/agent.js';
import { startAria2 } from '../helpers/aria2.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { startHttpFileServer } from '../helpers/http-file-server.js';
import { download } from '../helpers/images.js';
import { startHostilePeer } from '../helpers/hostile-peer.js';
import { startMetadataLiar } from '../helpers/metadata-liar.js';
import { magnetUri, makePublicTorrent, startDhtNode, startPublicTracker, type PublicTorrent, type PublicTracker } from '../helpers/public-swarm.js';
import { ADMIN_TOKEN } from '../helpers/registry.js';
import { startFullStack, type FullStack } from '../helpers/stack.js';
import { startTestTeller } from '../helpers/teller.js';
import { startWebtorrentPeer, type WebtorrentPeer } from '../helpers/webtorrent-peer.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await check()); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Members of a tar, by name. */
async function untar(data: Buffer): Promise<Map<string, Buffer>> {
  const members = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (d: unknown) => parts.push(d as Buffer));
      stream.on('end', () => {
        members.set(header.name, Buffer.concat(parts));
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([data]).pipe(extract);
  await done;
  return members;
}

describe('magnet import: an external public swarm into the store, then our private swarm', () => {
  let s: FullStack;
  let tracker: PublicTracker;
  let alice: string;
  const importDir = () => join(s.teller.dataDir, 'import');
  const storeFiles = (id: string) => readdirSync(join(s.teller.dataDir, 'store'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && join(e.parentPath, e.name).includes(id));
  const create = async (body: Record<string, unknown> = {}, token = ADMIN_TOKEN) => (await s.teller.call('POST', '/v2/images', { token, body })).body.id as string;
  const start = (id: string, method: Record<string, unknown>, token = ADMIN_TOKEN) => s.teller.call('POST', `/v2/images/${id}/import`, { token, body: { method: { name: 'magnet', ...method } } });
  const image = async (id: string) => (await s.teller.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body;
  const settled = async (id: string): Promise<any> => {
    let last: any;
    await until(`image ${id} to settle`, async () => ['active', 'killed'].includes((last = await image(id)).status), 60_000);
    return last;
  };
  const active = async (id: string): Promise<any> => {
    const got = await settled(id);
    if (got.status !== 'active') throw new Error(`image ${id} is ${got.status}: ${got.p2p_status_reason}`);
    return got;
  };
  /** A public torrent and a webtorrent seeder for it, findable through the public tracker. */
  const seeded = async (name: string, files: Record<string, Buffer>): Promise<{ pub: PublicTorrent; seeder: WebtorrentPeer; stop(): Promise<void> }> => {
    const pub = await makePublicTorrent(name, files, [tracker.announce]);
    const seeder = await startWebtorrentPeer({ torrent: pub.torrent, path: pub.root });
    await seeder.done();
    await until('the seeder to announce', () => tracker.seeders(pub.infohash) > 0);
    return { pub, seeder, stop: async () => (await seeder.stop(), pub.remove()) };
  };

  beforeAll(async () => {
    tracker = await startPublicTracker();
    s = await startFullStack({
      teller: {
        seeding: { enabled: true },
        // a long stall timeout: in the cancel test the delete, not the stall, must stop the import
        ingest: { stall_timeout_ms: 60_000, chunk_size: 4 * MiB, max_image_bytes: 24 * MiB },
        import_swarm: { metadata_timeout_ms: 2500 },
      },
    });
    alice = await s.stack.registry.token('alice', 'proj-a', ['member']);
  });
  afterAll(async () => {
    await s?.close();
    await tracker?.close();
  });

  it('imports a single-file magnet seeded by webtorrent; the agent then fetches it over our private swarm', async () => {
    const data = randomBytes(6 * MiB + 777);
    const { pub, stop } = await seeded('cirros-public.qcow2', { 'cirros-public.qcow2': data });
    try {
      const id = await create({ name: 'cirros' });
      expect((await start(id, { uri: pub.magnet([tracker.announce]) })).status).toBe(202);
      const got = await active(id);
      expect(got).toMatchObject({ status: 'active', name: 'cirros', size: data.length, os_hash_value: sha(data), p2p_source_infohash: pub.infohash, disk_format: 'qcow2', container_format: 'bare' });
      expect(got.p2p_origin_uri).toBe(`magnet:?xt=urn:btih:${pub.infohash}&dn=cirros-public.qcow2`);
      expect(got.p2p_infohash).not.toBe(pub.infohash);
      expect((await download(`${s.teller.url}/v2/images/${id}/file`, { 'x-auth-token': ADMIN_TOKEN })).body.equals(data)).toBe(true);
      expect(readdirSync(importDir())).toEqual([]);
      // the private torrent is seeded by Teller at once: an agent gets every byte from peers
      await s.stack.synced();
      const agent = startTestAgent(s.teller.url, ADMIN_TOKEN, { fallback_after_s: 60, slow_rate: 0 });
      try {
        const fetched = await agent.agent.fetcher.fetch(`${s.teller.url}/v2/images/${id}`);
        expect(fetched).toMatchObject({ source: 'swarm', infohash: got.p2p_infohash });
        expect(fetched.counts.fromPeers).toBe(data.length);
        expect(sha(readFileSync(fetched.path))).toBe(sha(data));
      } finally {
        await agent.close();
      }
    } finally {
      await stop();
    }
  });

  it('aria2c as the external seeder: a real client serves the metadata and the pieces', async () => {
    const data = randomBytes(3 * MiB + 5);
    const pub = await makePublicTorrent('debian-netinst.iso', { 'debian-netinst.iso': data }, [tracker.announce]);
    // no share-ratio limit: aria2 stops seeding at ratio 1.0 by default, which end-game duplicates can reach early
    const aria2 = await startAria2({ torrent: pub.torrent, dir: pub.root, seedTime: 10, extraArgs: ['--seed-ratio=0.0'] });
    try {
      await until('aria2c to announce as a seeder', () => tracker.seeders(pub.infohash) > 0);
      const id = await create();
      expect((await start(id, { uri: pub.magnet([tracker.announce]) })).status).toBe(202);
      const got = await active(id).catch((err) => {
        throw new Error(`${(err as Error).message}\naria2c:\n${aria2.output().slice(-6000)}`);
      });
      expect(got).toMatchObject({ status: 'active', name: 'debian-netinst.iso', disk_format: 'iso', container_format: 'bare', os_hash_value: sha(data), p2p_source_infohash: pub.infohash });
    } finally {
      await aria2.stop();
      pub.remove();
    }
  });

  it('pieces are checked against the torrent: a peer sending garbage is cut off, the import completes from an honest seeder', async () => {
    const data = randomBytes(2 * MiB);
    const pub = await makePublicTorrent('checked.img', { 'checked.img': data }, [tracker.announce]);
    const hostile = await startHostilePeer({ infohash: pub.infohash, pieces: data.length / (64 * 1024), announce: tracker.announce });
    let honest: WebtorrentPeer | undefined;
    try {
      const id = await create();
      // a .torrent, so the pieces are known without the hostile peer (which speaks no ut_metadata)
      expect((await start(id, { torrent: pub.torrent.toString('base64') })).status).toBe(202);
      await until('the hostile peer to be asked for pieces', () => hostile.garbageSent() > 0);
      honest = await startWebtorrentPeer({ torrent: pub.torrent, path: pub.root });
      const got = await active(id);
      expect(got).toMatchObject({ size: data.length, os_hash_value: sha(data) });
    } finally {
      await honest?.stop();
      await hostile.stop();
      pub.remove();
    }
  });

  it('a multi-file torrent becomes a tar with safe member names; file= picks one file; .torrent inline or by URL', async () => {
    const files = { 'disk.qcow2': randomBytes(2 * MiB + 3), 'meta/README': Buffer.from('hello'), 'meta/empty': Buffer.alloc(0) };
    const { pub, stop } = await seeded('bundle', files);
    const web: Server = createServer((_req, res) => res.end(pub.torrent));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    try {
      const whole = await create({ name: 'bundle' });
      const r0 = await start(whole, { torrent: pub.torrent.toString('base64') });
      expect(r0.status, JSON.stringify(r0.body)).toBe(202);
      const one = await create({ name: 'just-the-disk' });
      const url = `http://127.0.0.1:${(web.address() as { port: number }).port}/bundle.torrent`;
      expect((await start(one, { torrent_url: url, file: 'disk.qcow2' })).status).toBe(202);
      const [tarred, picked] = await Promise.all([active(whole), active(one)]);
      expect(tarred).toMatchObject({ status: 'active', container_format: 'tar', p2p_source_infohash: pub.infohash });
      const members = await untar((await download(`${s.teller.url}/v2/images/${whole}/file`, { 'x-auth-token': ADMIN_TOKEN })).body);
      expect([...members.keys()]).toEqual(['bundle/disk.qcow2', 'bundle/meta/README', 'bundle/meta/empty']);
      for (const [name, data] of Object.entries(files)) expect(members.get(`bundle/${name}`)!.equals(data)).toBe(true);
      expect(picked).toMatchObject({ status: 'active', size: files['disk.qcow2'].length, os_hash_value: sha(files['disk.qcow2']), disk_format: 'qcow2', container_format: 'bare' });
    } finally {
      web.close();
      await stop();
    }
  });

  it('xs= and ws=: metadata from an exact-source URL (checked against the infohash), data from an HTTP web seed, no peer at all', async () => {
    const data = randomBytes(2 * MiB + 99);
    const pub = await makePublicTorrent('ws-only.raw', { 'ws-only.raw': data }, [tracker.announce]);
    const other = await makePublicTorrent('other.raw', { 'other.raw': randomBytes(1000) }, [tracker.announce]);
    writeFileSync(join(pub.root, 'ws-only.torrent'), pub.torrent);
    writeFileSync(join(pub.root, 'other.torrent'), other.torrent);
    const web = await startHttpFileServer({ root: pub.root });
    try {
      const good = await create();
      const lying = await create();
      const magnet = (infohash: string, xs: string) => `magnet:?xt=urn:btih:${infohash}&dn=ws-only.raw&xs=${encodeURIComponent(`${web.url}${xs}`)}&ws=${encodeURIComponent(`${web.url}ws-only.raw`)}`;
      expect((await start(good, { uri: magnet(pub.infohash, 'ws-only.torrent') })).status).toBe(202);
      // an exact source that serves another torrent than the magnet names
      expect((await start(lying, { uri: magnet('a1'.repeat(20), 'other.torrent') })).status).toBe(202);
      const [got, refused] = await Promise.all([settled(good), settled(lying)]);
      expect(got).toMatchObject({ status: 'active', os_hash_value: sha(data), p2p_source_infohash: pub.infohash });
      expect(web.requests.some((r) => r.url === '/ws-only.raw' && r.range)).toBe(true);
      expect(refused.status).toBe('killed');
      expect(refused.p2p_status_reason).toMatch(/incorrect info hash from xs/);
    } finally {
      await web.stop();
      pub.remove();
      other.remove();
    }
  });

  it('with DHT configured, a magnet with no tracker is found through the DHT (off by default: such a magnet is a 400)', async () => {
    const node = await startDhtNode();
    const data = randomBytes(MiB + 3);
    const pub = await makePublicTorrent('dht-only.img', { 'dht-only.img': data }, []);
    const seeder = await startWebtorrentPeer({ torrent: pub.torrent, path: pub.root, dhtBootstrap: [node.address] });
    const withDht = await startTestTeller({ import_swarm: { dht: true, dht_bootstrap: [node.address], metadata_timeout_ms: 20_000 } });
    try {
      await seeder.done();
      await new Promise<void>((resolve) => (seeder.torrent as unknown as { once(e: string, cb: () => void): void }).once('dhtAnnounce', resolve));
      const trackerless = `magnet:?xt=urn:btih:${pub.infohash}&dn=dht-only.img`;
      expect((await start(await create(), { uri: trackerless })).status).toBe(400);
      const id = (await withDht.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: {} })).body.id as string;
      expect((await withDht.call('POST', `/v2/images/${id}/import`, { token: ADMIN_TOKEN, body: { method: { name: 'magnet', uri: trackerless } } })).status).toBe(202);
      let got: any;
      await until('the DHT import to settle', async () => ['active', 'killed'].includes((got = (await withDht.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body).status));
      expect(got).toMatchObject({ status: 'active', os_hash_value: sha(data), p2p_source_infohash: pub.infohash });
    } finally {
      await withDht.close();
      await seeder.stop();
      await node.stop();
      pub.remove();
    }
  });

  it('glance-p2p image import: --torrent FILE --file, exit 6 with the reason when no one seeds, exit 4 for a member (no image left)', async () => {
    const files = { 'root.img': randomBytes(MiB + 1), 'docs/NOTES': Buffer.from('notes') };
    const { pub, stop } = await seeded('appliance', files);
    const torrentFile = join(pub.root, 'appliance.torrent');
    writeFileSync(torrentFile, pub.torrent);
    const cli = (args: string[], token = ADMIN_TOKEN) => runCli(['image', 'import', ...args, '--registry', s.teller.url, '--token', token, '--json']);
    try {
      const ok = await cli(['--torrent', torrentFile, '--file', 'root.img', '--name', 'appliance-root']);
      expect(ok.code, ok.stderr).toBe(0);
      const done = JSON.parse(ok.stdout.trim().split('\n').at(-1)!);
      expect(done).toMatchObject({ phase: 'done', status: 'active', name: 'appliance-root', size: files['root.img'].length, os_hash_value: sha(files['root.img']), p2p_source_infohash: pub.infohash });
      const lonely = await cli(['--magnet', magnetUri('f'.repeat(40), 'lonely', [tracker.announce])]);
      expect(lonely.code).toBe(6);
      expect(lonely.stderr).toMatch(/No peers found for infohash f{40}/);
      const member = await cli(['--magnet', pub.magnet([tracker.announce]), '--name', 'not-allowed'], alice);
      expect(member.code).toBe(4);
      expect(member.stderr).toMatch(/admin/);
      const left = await s.teller.call('GET', '/v2/images?name=not-allowed', { token: ADMIN_TOKEN });
      expect(left.body.images).toEqual([]);
    } finally {
      await stop();
    }
  });

  it('refuses bad requests up front: malformed magnets 400, non-admins 403, an oversized .torrent 413', async () => {
    const id = await create();
    const bad = [
      'http://example.org/x.torrent',
      'magnet:?dn=nothing',
      'magnet:?xt=urn:btih:1234',
      'magnet:?xt=urn:btmh:1220' + 'ab'.repeat(32) + '&tr=http%3A%2F%2F127.0.0.1%3A1%2Fannounce',
      `magnet:?xt=urn:btih:${'a'.repeat(40)}`,
      `magnet:?xt=urn:btih:${'a'.repeat(40)}&tr=ftp%3A%2F%2Fx`,
    ];
    for (const uri of bad) {
      const res = await start(id, { uri });
      expect(res.status, uri).toBe(400);
      expect(res.body.message).toBeTruthy();
    }
    expect((await start(id, { uri: `magnet:?xt=urn:btih:${'a'.repeat(40)}&tr=http%3A%2F%2Fx`, torrent: 'AAAA' })).status).toBe(400);
    expect((await start(id, { torrent: 'not a torrent!' })).status).toBe(400);
    const unknown = await start(id, { uri: magnetUri('b'.repeat(40), 'x', [tracker.announce]), fiel: 'typo' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/fiel/);
    const mine = await create({}, alice);
    const refused = await start(mine, { uri: magnetUri('b'.repeat(40), 'x', [tracker.announce]) }, alice);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/admin/);
    const huge = bencode.encode({ info: { name: 'huge.img', length: 100 * MiB, 'piece length': MiB, pieces: Buffer.alloc(20 * 100) } });
    expect((await start(id, { torrent: Buffer.from(huge).toString('base64') })).status).toBe(413);
    expect((await image(id)).status).toBe('queued');
  });

  it('kills imports with a clear reason: no peers, metadata for another infohash (refused), tracker down, too large', async () => {
    const wrong = await makePublicTorrent('other.img', { 'other.img': randomBytes(100_000) }, [tracker.announce]);
    const lonely = 'c'.repeat(40);
    const liarTarget = 'd'.repeat(40);
    const liar = await startMetadataLiar({ infohash: liarTarget, wrongTorrent: wrong.torrent, announce: tracker.announce });
    const closedPort = await freePort();
    const big = await seeded('big.img', { 'big.img': randomBytes(25 * MiB) });
    try {
      const ids = await Promise.all([create(), create(), create(), create()]);
      const magnets = [
        magnetUri(lonely, 'nobody-seeds', [tracker.announce]),
        magnetUri(liarTarget, 'liar', [tracker.announce]),
        magnetUri('e'.repeat(40), 'tracker-down', [`http://127.0.0.1:${closedPort}/announce`]),
        big.pub.magnet([tracker.announce]),
      ];
      for (const [i, id] of ids.entries()) expect((await start(id, { uri: magnets[i] })).status).toBe(202);
      // while it looks for the metadata, the image shows that no peer was found yet
      await until('progress while looking for peers', async () => (await image(ids[0]!)).p2p_progress?.peers === 0);
      const [noPeers, lied, down, tooBig] = await Promise.all(ids.map(settled));
      expect(noPeers.status).toBe('killed');
      expect(noPeers.p2p_status_reason).toMatch(new RegExp(`No peers found for infohash ${lonely} within 2.5 s`));
      expect(lied.status).toBe('killed');
      expect(lied.p2p_status_reason).toMatch(/1 peer\(s\) sent metadata that does not match the infohash and were refused/);
      expect(liar.requests()).toBeGreaterThan(0);
      expect(down.status).toBe('killed');
      expect(down.p2p_status_reason).toMatch(new RegExp(`No peers found.*trackers: http://127.0.0.1:${closedPort}/announce.*ECONNREFUSED`));
      expect(tooBig.status).toBe('killed');
      expect(tooBig.p2p_status_reason).toMatch(/limit is 25165824/);
      for (const id of ids) expect(storeFiles(id)).toEqual([]);
      expect(readdirSync(importDir())).toEqual([]);
    } finally {
      await liar.stop();
      await big.stop();
      wrong.remove();
    }
  });

  it('an admin cancels by deleting the image: the import stops, its chunks and temp file are deleted', async () => {
    // the only peer holds the first 8 MiB and no more: the import stores those, then waits
    const data = randomBytes(14 * MiB);
    const pub = await makePublicTorrent('half.img', { 'half.img': data }, [tracker.announce], 256 * 1024);
    writeFileSync(join(pub.root, 'half.img'), Buffer.concat([data.subarray(0, 8 * MiB), Buffer.alloc(6 * MiB)]));
    const partial = await startWebtorrentPeer({ torrent: pub.torrent, path: pub.root });
    try {
      await until('the partial seeder to announce', () => tracker.peers(pub.infohash) > 0);
      const id = await create();
      expect((await start(id, { uri: pub.magnet([tracker.announce]) })).status).toBe(202);
      await until('the import to pass one chunk', async () => {
        const now = await image(id);
        if (now.status !== 'importing') throw new Error(`the import ended early: ${now.status} ${now.p2p_status_reason}`);
        return (now.p2p_progress?.bytes ?? 0) >= 8 * MiB;
      });
      const progress = (await image(id)).p2p_progress;
      expect(progress).toMatchObject({ method: 'magnet', total: data.length });
      expect(progress.peers).toBeGreaterThan(0);
      expect(progress.rate).toBeGreaterThan(0);
      expect(storeFiles(id).length).toBeGreaterThan(0);
      expect(readdirSync(importDir())).toHaveLength(1);
      expect((await s.teller.call('DELETE', `/v2/images/${id}`, { token: ADMIN_TOKEN })).status).toBe(204);
      await until('the chunks to go', () => storeFiles(id).length === 0);
      await until('the temp file to go', () => readdirSync(importDir()).length === 0);
    } finally {
      await partial.stop();
      pub.remove();
    }
  });

});
