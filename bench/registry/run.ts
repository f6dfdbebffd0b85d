/**
 * npm run bench:registry — Parallax under a real HTTP load generator (autocannon).
 * Fills 10,000 images (5 properties and 2 tags each) through the API, then measures
 * median/p99 latency (1 connection) and requests/s (8 connections) for four reads.
 * Reference: Debian's Glance 25 API (one worker, SQLite) lists 100 images in a
 * median of 46 ms on this kind of machine; the target is at least 10x faster.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, quantile } from '../lib/load.js';
import { printTable, writeResults } from '../lib/table.js';

const IMAGES = Number(process.env.BENCH_IMAGES ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const GLANCE_LIST_100_MEDIAN_MS = 46;
const ADMIN = 'bench-admin-token-0123456789abcdef';
const BIN = fileURLToPath(new URL('../../bin/glance-p2p.js', import.meta.url));

async function startRegistry(dataDir: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [BIN, 'registry', '--port', '0', '--data-dir', dataDir, '--admin-token', ADMIN], {
    env: { ...process.env, GLANCE_P2P_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`registry exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function call(url: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${path}`, { method, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

const DISTROS = ['ubuntu', 'debian', 'centos', 'rocky', 'alpine', 'fedora', 'arch', 'suse', 'windows', 'freebsd'];

async function fill(url: string, memberToken: string): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < IMAGES) {
      const i = next++;
      const distro = DISTROS[i % DISTROS.length]!;
      const body = {
        name: `${distro}-${i}`,
        visibility: i % 2 === 0 ? 'public' : 'private',
        ...(i % 2 === 0 ? { owner: 'bench' } : {}),
        disk_format: i % 3 === 0 ? 'raw' : 'qcow2',
        container_format: 'bare',
        tags: [`tag-${i % 50}`, i % 7 === 0 ? 'gold' : 'plain'],
        os_distro: distro,
        os_version: String(i % 20),
        architecture: i % 4 === 0 ? 'aarch64' : 'x86_64',
        build: `build-${i}`,
        team: `team-${i % 30}`,
      };
      const created = await call(url, i % 2 === 0 ? ADMIN : memberToken, 'POST', '/v2/images', body);
      ids.push(created.id);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return ids;
}

async function measure(url: string, token: string, path: string) {
  const opts = { url: `${url}${path}`, headers: { 'x-auth-token': token }, duration: SECONDS };
  const one = await load({ ...opts, connections: 1 });
  const eight = await load({ ...opts, connections: 8 });
  if (one.result.non2xx || eight.result.non2xx || one.result.errors || eight.result.errors) throw new Error(`errors while measuring ${path}`);
  return {
    median_ms: quantile(one.latenciesMs, 0.5),
    p99_ms: quantile(one.latenciesMs, 0.99),
    req_s_1: one.result.requests.average,
    req_s_8: eight.result.requests.average,
    p99_ms_8: quantile(eight.latenciesMs, 0.99),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-registry-'));
  const registry = await startRegistry(dir);
  try {
    const member = (await call(registry.url, ADMIN, 'POST', '/p2p/v1/tokens', { user_id: 'bench-user', project_id: 'bench', roles: ['member'] })).token as string;
    const t0 = Date.now();
    const ids = await fill(registry.url, member);
    const fillSeconds = (Date.now() - t0) / 1000;
    process.stdout.write(`filled ${ids.length} images in ${fillSeconds.toFixed(1)} s (${(ids.length / fillSeconds).toFixed(0)} creates/s)\n`);
    const scenarios: Array<[string, string]> = [
      ['page of 100', '/v2/images?limit=100'],
      ['page of 100, property filter', '/v2/images?limit=100&os_distro=debian'],
      ['q= full-text search', '/v2/images?limit=100&q=rocky%20gold'],
      ['single image by id', `/v2/images/${ids[Math.floor(ids.length / 2)]}`],
    ];
    const rows: Array<Record<string, string | number>> = [];
    for (const [name, path] of scenarios) {
      const r = await measure(registry.url, member, path);
      rows.push({
        request: name,
        'median ms': r.median_ms,
        'p99 ms': r.p99_ms,
        'req/s (1 conn)': Math.round(r.req_s_1),
        'req/s (8 conns)': Math.round(r.req_s_8),
        'p99 ms (8 conns)': r.p99_ms_8,
        'vs Glance 46 ms': name === 'page of 100' ? `${(GLANCE_LIST_100_MEDIAN_MS / Math.max(r.median_ms, 0.01)).toFixed(1)}x faster` : '',
      });
    }
    printTable(`Parallax, ${IMAGES} images (5 properties, 2 tags each), member token, autocannon ${SECONDS}s per cell`, rows);
    const file = writeResults('registry', { images: IMAGES, seconds: SECONDS, fill_seconds: fillSeconds, rows });
    process.stdout.write(`raw results: ${file}\n`);
  } finally {
    registry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
