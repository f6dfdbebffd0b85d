/**
 * npm run bench:fetch — one agent fetching a 256 MiB image: through the swarm (Teller
 * as the only seed), over plain HTTP (--no-p2p), and aria2c fetching the same torrent
 * from the same seed through the same tracker, in one run (alternating, median of
 * RUNS). Then the agent's peak RSS on a 2 GiB image. Every fetch is a fresh process
 * timed from start to exit (GNU time: wall seconds and max RSS). MB = 10^6 bytes.
 * Targets: agent ≥ 0.8 × aria2c's rate; RSS under 200 MB whatever the image size.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../test/helpers/free-port.js';
import { quantile } from '../lib/load.js';
import { printTable, writeResults } from '../lib/table.js';
import { BIN, NODE_ARGS, startUp } from '../lib/up.js';
import { curl } from '../stores/curl.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_MIB ?? 256) * MiB;
const BIG = Number(process.env.BENCH_BIG_MIB ?? 2048) * MiB;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** Run a command under GNU time; wall seconds and peak RSS (MB) of the command itself. */
async function timed(cmd: string, args: string[]): Promise<{ seconds: number; rssMb: number; stdout: string }> {
  const { stdout, stderr } = await run('/usr/bin/time', ['-f', 'TIME %e %M', cmd, ...args], { maxBuffer: 64 * MiB, env: { ...process.env, GLANCE_P2P_LOG_LEVEL: 'warn' } });
  const m = /TIME ([\d.]+) (\d+)/.exec(stderr);
  if (!m) throw new Error(`no timing in: ${stderr.slice(-500)}`);
  return { seconds: Number(m[1]), rssMb: (Number(m[2]) * 1024) / 1e6, stdout };
}

async function randomFile(path: string, size: number): Promise<void> {
  const out = createWriteStream(path);
  for (let done = 0; done < size; done += 16 * MiB) if (!out.write(randomBytes(Math.min(16 * MiB, size - done)))) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r) => out.end(() => r()));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-fetch-'));
  const up = await startUp(join(dir, 'data'));
  try {
    const { url, token } = up;
    const config = join(dir, 'agent.yaml');
    writeFileSync(config, `registries:\n  - { name: bench, url: ${url}, token: ${token} }\nagent:\n  fallback_after_s: 600\n  slow_rate: 0\n`);
    const upload = async (size: number, name: string) => {
      const file = join(dir, name);
      await randomFile(file, size);
      const created = await (await fetch(`${url}/v2/images`, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: JSON.stringify({ name, disk_format: 'raw', container_format: 'bare' }) })).json() as { id: string };
      await curl(['-H', `X-Auth-Token: ${token}`, '-H', 'Content-Type: application/octet-stream', '-T', file, `${url}/v2/images/${created.id}/file`], 'upload');
      rmSync(file);
      await new Promise((r) => setTimeout(r, 2000)); // Teller picks the new image up for seeding
      return created.id;
    };
    const id = await upload(SIZE, 'bench.img');
    const torrent = join(dir, 'bench.torrent');
    writeFileSync(torrent, Buffer.from(await (await fetch(`${url}/v2/images/${id}/torrent`, { headers: { 'x-auth-token': token } })).arrayBuffer()));

    const swarm: number[] = [];
    const http: number[] = [];
    const aria: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const a = join(dir, `agent-${i}`);
      const s1 = await timed(process.execPath, [...NODE_ARGS, BIN, 'fetch', `${url}/v2/images/${id}`, '--config', config, '--data-dir', a, '--json']);
      if (!/"source":"swarm"/.test(s1.stdout)) throw new Error(`swarm fetch did not use the swarm: ${s1.stdout.slice(-300)}`);
      swarm.push(SIZE / s1.seconds / 1e6);
      rss.push(s1.rssMb);
      rmSync(a, { recursive: true, force: true });
      const h = join(dir, `http-${i}`);
      const s2 = await timed(process.execPath, [...NODE_ARGS, BIN, 'fetch', `${url}/v2/images/${id}`, '--config', config, '--data-dir', h, '--no-p2p', '--json']);
      http.push(SIZE / s2.seconds / 1e6);
      rmSync(h, { recursive: true, force: true });
      const r = join(dir, `aria2-${i}`);
      const s3 = await timed('aria2c', [`--dir=${r}`, `--listen-port=${await freePort()}`, '--enable-dht=false', '--bt-enable-lpd=false', '--enable-peer-exchange=false', '--seed-time=0', '--file-allocation=none', '--summary-interval=0', '--console-log-level=warn', torrent]);
      aria.push(SIZE / s3.seconds / 1e6);
      rmSync(r, { recursive: true, force: true });
    }

    const bigId = await upload(BIG, 'big.img');
    const big = join(dir, 'agent-big');
    const b = await timed(process.execPath, [...NODE_ARGS, BIN, 'fetch', `${url}/v2/images/${bigId}`, '--config', config, '--data-dir', big, '--json']);
    rmSync(big, { recursive: true, force: true });
    const bh = join(dir, 'http-big');
    const bhr = await timed(process.execPath, [...NODE_ARGS, BIN, 'fetch', `${url}/v2/images/${bigId}`, '--config', config, '--data-dir', bh, '--no-p2p', '--json']);
    rmSync(bh, { recursive: true, force: true });

    const med = (xs: number[]) => quantile(xs, 0.5);
    const rows = [
      { fetch: `agent, swarm (Teller seeding), ${SIZE / MiB} MiB`, 'MB/s': med(swarm), 'vs aria2c': med(swarm) / med(aria), target: '≥ 0.8', 'peak RSS MB': med(rss) },
      { fetch: `agent, --no-p2p (HTTP from Teller), ${SIZE / MiB} MiB`, 'MB/s': med(http), 'vs aria2c': med(http) / med(aria), target: '', 'peak RSS MB': '' },
      { fetch: `aria2c, same torrent, same seed and tracker`, 'MB/s': med(aria), 'vs aria2c': 1, target: '', 'peak RSS MB': '' },
      { fetch: `agent, swarm, ${BIG / MiB} MiB`, 'MB/s': BIG / b.seconds / 1e6, 'vs aria2c': '', target: 'RSS < 200 MB', 'peak RSS MB': b.rssMb },
      { fetch: `agent, --no-p2p, ${BIG / MiB} MiB`, 'MB/s': BIG / bhr.seconds / 1e6, 'vs aria2c': '', target: 'RSS < 200 MB', 'peak RSS MB': bhr.rssMb },
    ];
    printTable(`One agent fetching from Teller on one machine (wall time of the whole process, median of ${RUNS})`, rows as Array<Record<string, string | number>>);
    process.stdout.write(`raw results: ${writeResults('fetch', { size: SIZE, big: BIG, runs: RUNS, swarm, http, aria, rss, big_swarm: b, big_http: bhr, rows })}\n`);
  } finally {
    up.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
