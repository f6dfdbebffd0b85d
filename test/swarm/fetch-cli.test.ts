import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, startCliServer } from '../helpers/cli.js';
import { uploadImage } from '../helpers/images.js';
import { ingestReportFor } from '../helpers/ingest-report.js';
import { ADMIN_TOKEN, SERVICE_TOKEN } from '../helpers/registry.js';
import { startFullStack, type FullStack } from '../helpers/stack.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startWebtorrentPeer } from '../helpers/webtorrent-peer.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const lines = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);

/** Run `glance-p2p fetch … --json` and kill it (SIGKILL) once at least `fraction` of the image is verified. */
function fetchAndKill(args: string[], fraction: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'fetch', ...args, '--json'], { env: { ...process.env, GLANCE_P2P_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let killedAt = -1;
    child.stdout.on('data', (d) => {
      out += d;
      for (const line of out.split('\n').slice(0, -1)) {
        const p = JSON.parse(line);
        if (killedAt < 0 && p.phase === 'downloading' && p.bytes >= fraction * p.total) {
          killedAt = p.bytes;
          child.kill('SIGKILL');
        }
      }
      out = out.slice(out.lastIndexOf('\n') + 1);
    });
    child.once('exit', () => (killedAt >= 0 ? resolve(killedAt) : reject(new Error('fetch ended before it was killed'))));
  });
}

describe('glance-p2p fetch (the CLI, against a real tracker + registry + seeding Teller)', () => {
  let s: FullStack;
  const dir = tempDir('glance-p2p-fetch-cli-');
  let config: string;
  const uri = (id: string) => `${s.teller.url}/v2/images/${id}`;
  beforeAll(async () => {
    s = await startFullStack({ teller: { seeding: { enabled: true, upload_limit: 6 * MiB } } });
    config = join(dir.path, 'agent.yaml');
    writeFileSync(config, `registries:\n  - name: local\n    url: ${s.teller.url}\n    token: ${ADMIN_TOKEN}\nagent:\n  fallback_after_s: 30\n  slow_rate: 0\n`);
  });
  afterAll(async () => {
    await s?.close();
    dir.remove();
  });

  it('fetches through the swarm with JSON progress, writes -o, and a second fetch is a cache hit', async () => {
    const { id, data } = await uploadImage(s.teller, { size: 8 * MiB });
    await s.stack.synced();
    const out = join(dir.path, 'one.img');
    const res = await runCli(['fetch', uri(id), '--config', config, '--data-dir', join(dir.path, 'a1'), '-o', out, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const events = lines(res.stdout);
    expect(events.some((e) => e.phase === 'downloading' && e.total === data.length)).toBe(true);
    expect(events.at(-1)).toMatchObject({ phase: 'done', path: out, source: 'swarm', size: data.length, sha256: sha(data) });
    expect(readFileSync(out).equals(data)).toBe(true);
    const again = await runCli(['fetch', uri(id), '--config', config, '--data-dir', join(dir.path, 'a1'), '--json']);
    expect(lines(again.stdout).at(-1)).toMatchObject({ phase: 'done', source: 'cache' });
  });

  it('an agent killed at 50% and run again resumes: pieces on disk are checked, not fetched again', async () => {
    const { id, data } = await uploadImage(s.teller, { size: 36 * MiB });
    await s.stack.synced();
    const args = [uri(id), '--config', config, '--data-dir', join(dir.path, 'a2')];
    const had = await fetchAndKill(args, 0.5);
    const res = await runCli(['fetch', ...args, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const done = lines(res.stdout).at(-1)!;
    expect(done).toMatchObject({ phase: 'done', source: 'swarm', sha256: sha(data) });
    expect(done.swarm_bytes + done.http_bytes).toBeLessThanOrEqual(data.length - had + 4 * MiB);
  });

  it('--no-p2p downloads over HTTP and resumes with Range after a kill', async () => {
    const { id, data } = await uploadImage(s.teller, { size: 48 * MiB });
    const args = [uri(id), '--config', config, '--data-dir', join(dir.path, 'a3'), '--no-p2p'];
    const had = await fetchAndKill(args, 0.3);
    const res = await runCli(['fetch', ...args, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const done = lines(res.stdout).at(-1)!;
    expect(done).toMatchObject({ phase: 'done', source: 'http', swarm_bytes: 0, sha256: sha(data) });
    expect(done.http_bytes).toBeLessThanOrEqual(data.length - had);
  });

  it('--unpack extracts a tar.gz image', async () => {
    const pack = tar.pack();
    pack.entry({ name: 'rootfs/etc/hostname' }, 'node-1\n');
    pack.entry({ name: 'rootfs/disk.img' }, randomBytes(100_000));
    pack.finalize();
    const parts: Buffer[] = [];
    for await (const part of pack as AsyncIterable<Buffer>) parts.push(part);
    const { id } = await uploadImage(s.teller, { data: gzipSync(Buffer.concat(parts)), body: { container_format: 'tar.gz' } });
    await s.stack.synced();
    const target = join(dir.path, 'unpacked');
    const res = await runCli(['fetch', uri(id), '--config', config, '--data-dir', join(dir.path, 'a4'), '--unpack', target, '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(lines(res.stdout).at(-1)).toMatchObject({ phase: 'done', path: target, unpacked_members: 2 });
    expect(readFileSync(join(target, 'rootfs/etc/hostname'), 'utf8')).toBe('node-1\n');
  });

  it('exit codes: 3 not found, 4 auth, 5 verification failed, 6 network', async () => {
    const base = ['--config', config, '--data-dir', join(dir.path, 'a5')];
    expect((await runCli(['fetch', uri('6a5a8a4e-0000-4000-8000-000000000000'), ...base])).code).toBe(3);
    const { id } = await uploadImage(s.teller, { size: 1000, body: { visibility: 'private' } });
    const wrong = await runCli(['fetch', uri(id), ...base, '--token', 'not-a-token']);
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/token/i);
    expect((await runCli(['fetch', 'http://127.0.0.1:9/v2/images/6a5a8a4e-0000-4000-8000-000000000000', ...base])).code).toBe(6);

    // an image whose recorded SHA-256 is not that of its bytes (the pieces still match the torrent)
    const data = randomBytes(3 * MiB);
    const created = await s.stack.registry.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: { name: 'liar.img', disk_format: 'raw', container_format: 'bare' } });
    const report = { ...ingestReportFor(data, 'liar.img', 256 * 1024), os_hash_value: sha(randomBytes(10)) };
    await s.stack.registry.call('POST', `/internal/v1/images/${created.body.id}/status`, { token: SERVICE_TOKEN, body: { to: 'saving' } });
    expect((await s.stack.registry.call('PUT', `/internal/v1/images/${created.body.id}/data`, { token: SERVICE_TOKEN, body: report })).status).toBe(200);
    await s.stack.synced();
    const torrent = Buffer.from(await (await fetch(`${s.teller.url}/v2/images/${created.body.id}/torrent`, { headers: { 'x-auth-token': ADMIN_TOKEN } })).arrayBuffer());
    const seedDir = tempDir('glance-p2p-liar-');
    writeFileSync(join(seedDir.path, 'liar.img'), data);
    const seeder = await startWebtorrentPeer({ torrent, path: seedDir.path });
    try {
      const bad = await runCli(['fetch', uri(created.body.id), ...base]);
      expect(bad.code).toBe(5);
      expect(bad.stderr).toMatch(/SHA-256/);
    } finally {
      await seeder.stop();
      seedDir.remove();
    }
  });

  it('the agent daemon: POST /v1/fetch answers with a path once the image is ready, and /metrics counts it', async () => {
    const { id, data } = await uploadImage(s.teller, { size: 4 * MiB });
    await s.stack.synced();
    const daemon = await startCliServer(['agent', '--port', '0', '--config', config, '--data-dir', join(dir.path, 'daemon')], /listening on/);
    try {
      const api = /listening on (\S+)/.exec(daemon.stdout())![1]!;
      const res = await fetch(`${api}/v1/fetch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image_uri: uri(id) }) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { path: string; sha256: string; source: string };
      expect(body.sha256).toBe(sha(data));
      expect(readFileSync(body.path).equals(data)).toBe(true);
      const held = (await (await fetch(`${api}/v1/images`)).json()) as { images: Array<{ sha256: string; seeding: boolean }> };
      expect(held.images).toEqual([expect.objectContaining({ sha256: sha(data), seeding: true })]);
      const bad = await fetch(`${api}/v1/fetch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image_uri: 'nonsense' }) });
      expect(bad.status).toBe(400);
      const missing = await fetch(`${api}/v1/fetch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image_uri: uri('6a5a8a4e-0000-4000-8000-000000000000') }) });
      expect(missing.status).toBe(404);
      // what an operator scrapes from every host
      const metrics = (await (await fetch(`${api}/metrics`)).text()).split('\n');
      const value = (name: string, ...labels: string[]) => Number(metrics.find((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x)))?.split(' ')[1]);
      expect(value('glance_p2p_agent_fetches_total', `source="${body.source}"`, 'outcome="ok"')).toBe(1);
      expect(value('glance_p2p_agent_fetches_total', 'source="none"', 'outcome="failed"')).toBe(2); // the 400 and the 404
      expect(value('glance_p2p_agent_bytes_from_peers_total') + value('glance_p2p_agent_bytes_from_web_seeds_total')).toBeGreaterThanOrEqual(data.length);
      expect(value('glance_p2p_agent_held_bytes')).toBe(data.length);
      expect(value('glance_p2p_agent_seeding_torrents')).toBe(1);
      expect(value('glance_p2p_agent_fetch_duration_seconds_count', `source="${body.source}"`)).toBe(1);
    } finally {
      await daemon.stop();
    }
  });
});
