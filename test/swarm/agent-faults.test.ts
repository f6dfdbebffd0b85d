import { createHash } from 'node:crypto';
import bencode from 'bencode';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../helpers/agent.js';
import { startHostilePeer } from '../helpers/hostile-peer.js';
import { uploadImage } from '../helpers/images.js';
import { startLibtorrent } from '../helpers/libtorrent.js';
import { freePort } from '../helpers/free-port.js';
import { lyingFactory, type LieControls } from '../helpers/lying-store.js';
import { ADMIN_TOKEN, SERVICE_TOKEN } from '../helpers/registry.js';
import { startFullStack, type FullStack } from '../helpers/stack.js';
import { tempDir } from '../helpers/temp-dir.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function torrentOf(s: FullStack, id: string, token = ADMIN_TOKEN): Promise<Buffer> {
  return Buffer.from(await (await fetch(`${s.teller.url}/v2/images/${id}/torrent`, { headers: { 'x-auth-token': token } })).arrayBuffer());
}

describe('the agent under faults (real tracker, registry, Teller; real hostile and libtorrent peers)', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
  });
  const track = <T extends { close?: () => Promise<void>; stop?: () => Promise<void> }>(x: T): T => {
    cleanup.push(async () => (x.close ? x.close() : x.stop!()));
    return x;
  };

  it('a peer that sends corrupt pieces: the agent rejects them, bans the peer and still finishes with the right bytes', async () => {
    const s = track(await startFullStack({ teller: { seeding: { enabled: true, upload_limit: 4 * MiB } } }));
    const { id, data } = await uploadImage(s.teller, { size: 24 * MiB, body: { name: 'victim.img' } });
    await s.stack.synced();
    const image = (await s.teller.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body;
    const other = await s.stack.registry.token('eve', 'admin', ['member']);
    const announce = s.stack.address.announceTemplates[0]!.replace('{passkey}', encodeURIComponent(await s.stack.passkeyOf(other)));
    const hostile = track(await startHostilePeer({ infohash: image.p2p_infohash, pieces: Math.ceil(data.length / image.p2p_piece_length), announce }));
    const a: TestAgent = track(startTestAgent(s.teller.url, ADMIN_TOKEN, { fallback_after_s: 60, slow_rate: 0 }));
    const result = await a.agent.fetcher.fetch(`${s.teller.url}/v2/images/${id}`);
    expect(sha(readFileSync(result.path))).toBe(sha(data));
    expect(hostile.garbageSent()).toBeGreaterThan(0);
    const swarmTorrent = (await a.agent.swarm()).wt.torrents.find((t) => t.infoHash === image.p2p_infohash)!;
    expect(swarmTorrent.wires.some((w) => w.peerId === hostile.peerId)).toBe(false);
    expect((await a.agent.swarm()).banned(image.p2p_infohash)).toContain(hostile.peerId);
  });

  it('a peer fast to the very end that then sits on the last block requests: the agent asks Teller for them after a few seconds (webtorrent alone waits 30 s and drops the peer)', async () => {
    const s = track(await startFullStack({ teller: { seeding: { enabled: true, upload_limit: 2 * MiB } } }));
    const { id, data } = await uploadImage(s.teller, { size: 24 * MiB });
    await s.stack.synced();
    const image = (await s.teller.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body;
    const other = await s.stack.registry.token('mallory', 'admin', ['member']);
    const announce = s.stack.address.announceTemplates[0]!.replace('{passkey}', encodeURIComponent(await s.stack.passkeyOf(other)));
    const pieceLength = image.p2p_piece_length as number;
    const sitter = track(await startHostilePeer({ infohash: image.p2p_infohash, pieces: Math.ceil(data.length / pieceLength), announce, answers: { trueBytes: data, pieceLength, sitWhenMissing: 2 } }));
    const a = track(startTestAgent(s.teller.url, ADMIN_TOKEN, { fallback_after_s: 60, slow_rate: 0 }));
    const swarm = await a.agent.swarm();
    const result = await a.agent.fetcher.fetch(`${s.teller.url}/v2/images/${id}`);
    expect(sha(readFileSync(result.path))).toBe(sha(data));
    expect(sitter.requestsHeld()).toBeGreaterThan(0);
    // the blocks it sat on came from Teller instead, before webtorrent's 30-s request timeout dropped the peer
    const torrent = swarm.wt.torrents.find((t) => t.infoHash === image.p2p_infohash)!;
    expect(torrent.wires.some((w) => w.peerId === sitter.peerId)).toBe(true);
  });

  it('Teller\'s seeder killed mid-download: the web seed finishes the job', async () => {
    const s = track(await startFullStack({ teller: { seeding: { enabled: true, upload_limit: 6 * MiB } } }));
    const { id, data } = await uploadImage(s.teller, { size: 40 * MiB });
    await s.stack.synced();
    const a = track(startTestAgent(s.teller.url, ADMIN_TOKEN, { fallback_after_s: 60, slow_rate: 2 * MiB, slow_for_s: 2 }));
    let killed = false;
    const result = await a.agent.fetcher.fetch(`${s.teller.url}/v2/images/${id}`, {
      onProgress: (p) => {
        if (!killed && p.swarm_bytes > 8 * MiB) {
          killed = true;
          void s.teller.teller.parts.seeding!.close();
        }
      },
    });
    expect(killed).toBe(true);
    expect(sha(readFileSync(result.path))).toBe(sha(data));
    expect(result.counts.fromPeers).toBeGreaterThan(0);
    expect(result.counts.fromWebSeeds).toBeGreaterThan(0);
  });

  it('the tracker down from the start: the HTTP fallback finishes', async () => {
    const s = track(await startFullStack({ teller: { seeding: { enabled: true } } }));
    const { id, data } = await uploadImage(s.teller, { size: 12 * MiB });
    await s.stack.synced();
    await s.stack.tracker.close();
    const a = track(startTestAgent(s.teller.url, ADMIN_TOKEN, { fallback_after_s: 1 }));
    const result = await a.agent.fetcher.fetch(`${s.teller.url}/v2/images/${id}`);
    expect(sha(readFileSync(result.path))).toBe(sha(data));
    expect(result.counts.fromPeers).toBe(0);
    expect(result.counts.fromWebSeeds).toBeGreaterThanOrEqual(data.length);
  });

  it('nobody can serve the image (a chunk gone from Teller\'s store, nobody seeding): the fetch fails with Teller\'s 502 naming the chunk instead of waiting for ever', async () => {
    const s = track(await startFullStack({ teller: { seeding: { enabled: false } } }));
    const { id } = await uploadImage(s.teller, { size: 6 * MiB });
    await s.stack.synced();
    const store = join(s.teller.dataDir, 'store');
    const chunk = readdirSync(store, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('.000000'))!;
    rmSync(join(store, chunk));
    const a = track(startTestAgent(s.teller.url, ADMIN_TOKEN, { fallback_after_s: 1, swarm_stall_s: 3 }));
    const started = Date.now();
    await expect(a.agent.fetcher.fetch(`${s.teller.url}/v2/images/${id}`)).rejects.toMatchObject({ kind: 'bad_gateway', message: expect.stringMatching(/Chunk 0 .*missing/) });
    // the stall limit, then one HTTP request: far from the test's own time limit
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(a.agent.seeding()).not.toContain((await s.teller.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body.p2p_infohash);
  });

  it('a web seed that never answers (Teller\'s public_url unreachable from the host): the stalled swarm fetch finishes over plain HTTP, then seeds', async () => {
    const dead = await freePort();
    const s = track(await startFullStack({ teller: { seeding: { enabled: false }, public_url: `http://127.0.0.1:${dead}` } }));
    const { id, data } = await uploadImage(s.teller, { size: 6 * MiB });
    await s.stack.synced();
    const a = track(startTestAgent(s.teller.url, ADMIN_TOKEN, { fallback_after_s: 1, swarm_stall_s: 3 }));
    const phases: string[] = [];
    const result = await a.agent.fetcher.fetch(`${s.teller.url}/v2/images/${id}`, { onProgress: (p) => void (p.fallback && phases.push(p.fallback)) });
    expect(phases.length).toBeGreaterThan(0);
    expect(result.source).toBe('http');
    expect(sha(readFileSync(result.path))).toBe(sha(data));
    expect(result.counts.fromPeers).toBe(0);
    expect(result.counts.fromWebSeeds).toBe(data.length);
    // no partial left behind: neither the swarm's nor HTTP's; and the host seeds what it got
    expect(readdirSync(a.dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.part'))).toEqual([]);
    expect(a.agent.seeding()).toContain(result.infohash);
  });

  it('a chunk that lies (same etag, a flipped byte) behind a seeding Teller: the fetch fails with the reason, keeps its pieces, and Teller does not read the bad piece again for every request', async () => {
    const lies: LieControls = { corrupt: undefined, reads: 0 };
    const s = track(await startFullStack({ teller: { seeding: { enabled: true }, stores: [{ id: 'local', type: 'lying-file', options: { root: join(tempDir('glance-p2p-lying-').path, 'store') } }] }, storeFactory: lyingFactory(lies) }));
    const { id } = await uploadImage(s.teller, { size: 12 * MiB });
    await s.stack.synced();
    lies.corrupt = { suffix: '.000000', offset: 5 * MiB }; // inside piece 1
    const a = track(startTestAgent(s.teller.url, ADMIN_TOKEN, { fallback_after_s: 60, slow_rate: 0, swarm_stall_s: 4 }));
    // the swarm brings every piece but one, stalls, and plain HTTP gets Teller's reason
    await expect(a.agent.fetcher.fetch(`${s.teller.url}/v2/images/${id}`)).rejects.toMatchObject({ kind: 'bad_gateway', message: expect.stringMatching(/Piece 1 of image .* does not match its hash/) });
    // three pieces, each read once (it was 700 reads of the bad piece, one per block asked for)
    expect(lies.reads).toBeLessThanOrEqual(6);
    expect(Number(/^glance_p2p_teller_corrupt_reads_total\{[^}]*\} (\d+)$/m.exec((await s.teller.call('GET', '/metrics')).text)?.[1])).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(a.dir, 'agent', 'partial', `${(await s.teller.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN })).body.p2p_infohash}.swarm.part`))).toBe(true);
  });

  it('an image larger than the free disk: the fetch fails at once with what it needs, swarm or HTTP, and nothing is written', async () => {
    const s = track(await startFullStack({ teller: { seeding: { enabled: false } } }));
    const created = await s.stack.registry.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: { name: 'huge', disk_format: 'raw', container_format: 'bare' } });
    const id = created.body.id as string;
    // a 1 PiB image, recorded as Teller would record it (no byte of it exists)
    const size = 2 ** 50;
    const info = { length: size, name: 'huge', 'piece length': 16 * MiB, pieces: Buffer.alloc(20), private: 1 };
    const torrent = Buffer.from(bencode.encode({ info }));
    const hash = sha(Buffer.from('huge'));
    await s.stack.registry.call('POST', `/internal/v1/images/${id}/status`, { token: SERVICE_TOKEN, body: { to: 'saving' } });
    const put = await s.stack.registry.call('PUT', `/internal/v1/images/${id}/data`, {
      token: SERVICE_TOKEN,
      body: { size, os_hash_algo: 'sha256', os_hash_value: hash, locations: [{ store: 'local', chunks: [{ url: 'file:///images/huge.000000', offset: 0, size, etag: 'x', sha256: hash }] }], torrent: torrent.toString('base64'), p2p_infohash: createHash('sha1').update(bencode.encode(info)).digest('hex'), p2p_piece_length: 16 * MiB },
    });
    expect(put.status).toBe(200);
    const a = track(startTestAgent(s.teller.url, ADMIN_TOKEN));
    for (const noP2p of [false, true]) {
      await expect(a.agent.fetcher.fetch(`${s.teller.url}/v2/images/${id}`, { noP2p })).rejects.toMatchObject({ kind: 'too_large', message: expect.stringMatching(/Not enough disk .* needs 1125899906842624 bytes/) });
    }
    expect(readdirSync(join(a.dir, 'agent', 'partial'))).toEqual([]);
  });

  it('our agent downloads from a libtorrent seeder (Teller not seeding, no web seed)', async () => {
    const s = track(await startFullStack({ teller: { seeding: { enabled: false } } }));
    const { id, data } = await uploadImage(s.teller, { size: 10 * MiB, body: { name: 'lt.img' } });
    await s.stack.synced();
    const dir = tempDir('glance-p2p-lt-');
    cleanup.push(async () => dir.remove());
    mkdirSync(dir.path, { recursive: true });
    writeFileSync(join(dir.path, 'lt.img'), data);
    const seeder = track(await startLibtorrent({ torrent: await torrentOf(s, id), dir: dir.path }));
    await seeder.waitFor('seeding');
    const a = track(startTestAgent(s.teller.url, ADMIN_TOKEN, { fallback_after_s: 600, slow_rate: 0 }));
    const result = await a.agent.fetcher.fetch(`${s.teller.url}/v2/images/${id}`);
    expect(sha(readFileSync(result.path))).toBe(sha(data));
    expect(result.counts.fromPeers).toBeGreaterThanOrEqual(data.length);
    expect(result.counts.fromWebSeeds).toBe(0);
  });
});
