/**
 * npm run bench:tracker — announces per second our tracker answers over HTTP
 * (keep-alive) and UDP (BEP 15 with BEP 41 passkeys), with the registry's
 * whitelist and the passkey and access checks on, beside Debian's opentracker
 * (whitelist mode) on the same machine in the same run, under the same load.
 * Target: enough for 10,000 hosts announcing every 30 s (333/s).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quantile } from '../lib/load.js';
import { printTable, writeResults } from '../lib/table.js';
import { ingestReportFor } from '../../test/helpers/ingest-report.js';
import { freePort } from '../../test/helpers/free-port.js';
import { httpLoad } from './http-load.js';
import { startOpenTracker } from './opentracker.js';
import { cpuSeconds } from '../lib/cpu.js';
import { startCli } from './processes.js';
import { udpLoad } from './udp-load.js';
import { buildWorkload, type BenchSwarm } from './workload.js';

const PEERS = Number(process.env.BENCH_PEERS ?? 10_000);
const SWARMS = Number(process.env.BENCH_SWARMS ?? 500);
const PER_PEER = Number(process.env.BENCH_SWARMS_PER_PEER ?? 5);
const PROJECTS = 10;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const HTTP_CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 16);
const UDP_SOCKETS = 8;
const UDP_WINDOW = 16;
const NEEDED = 10_000 / 30;
/** The load at which latency is also measured: three times what 10,000 hosts need. */
const PACED_RATE = 1000;
const ADMIN = 'bench-admin-token-0123456789abcdef';

async function call(url: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${path}`, { method, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

/** Active images in the registry: half public, half private spread over the projects. */
async function fillRegistry(url: string, serviceToken: string): Promise<BenchSwarm[]> {
  const tokens = await Promise.all(Array.from({ length: PROJECTS }, (_, p) => call(url, ADMIN, 'POST', '/p2p/v1/tokens', { user_id: `owner-${p}`, project_id: `proj-${p}`, roles: ['member'] }).then((t) => t.token as string)));
  const swarms: BenchSwarm[] = [];
  let next = 0;
  const worker = async () => {
    while (next < SWARMS) {
      const i = next++;
      const visibility = i % 2 === 0 ? 'public' : 'private';
      const project = `proj-${i % PROJECTS}`;
      const image = await call(url, visibility === 'public' ? ADMIN : tokens[i % PROJECTS]!, 'POST', '/v2/images', { name: `bench-${i}`, visibility, disk_format: 'raw', container_format: 'bare', ...(visibility === 'public' ? { owner: project } : {}) });
      const report = ingestReportFor(randomBytes(2048), `bench-${i}`);
      await call(url, serviceToken, 'POST', `/internal/v1/images/${image.id}/status`, { to: 'saving' });
      await call(url, serviceToken, 'PUT', `/internal/v1/images/${image.id}/data`, report);
      swarms.push({ infohash: report.p2p_infohash, visibility, project });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return swarms;
}

/** One run's outcome in the form both generators give. */
interface RunResult {
  ok: number;
  failures: number;
  seconds: number;
  latenciesMs: number[];
}

interface Row {
  tracker: string;
  transport: 'HTTP' | 'UDP';
  /** For HTTP: connections kept alive, or a new one per announce (opentracker allows only that). */
  connection: 'keep-alive' | 'per announce' | '-';
  /** Flat out: as many announces as the tracker answers. */
  announcesPerSecond: number;
  p99MsFlatOut: number;
  cpuPercent: number;
  /** At PACED_RATE announces per second. */
  pacedPerSecond: number;
  p50MsPaced: number;
  p99MsPaced: number;
  failures: number;
}

async function measure(tracker: string, pid: number, transport: 'HTTP' | 'UDP', connection: Row['connection'], run: (rate?: number) => Promise<RunResult>): Promise<Row> {
  const cpuBefore = cpuSeconds(pid);
  const flat = await run();
  const cpu = cpuSeconds(pid) - cpuBefore;
  const paced = await run(PACED_RATE);
  return {
    tracker,
    transport,
    connection,
    announcesPerSecond: flat.ok / flat.seconds,
    p99MsFlatOut: quantile(flat.latenciesMs, 0.99),
    cpuPercent: (100 * cpu) / flat.seconds,
    pacedPerSecond: paced.ok / paced.seconds,
    p50MsPaced: quantile(paced.latenciesMs, 0.5),
    p99MsPaced: quantile(paced.latenciesMs, 0.99),
    failures: flat.failures + paced.failures,
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-tracker-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    const registry = await startCli(['registry', '--port', '0', '--data-dir', dataDir, '--admin-token', ADMIN], /listening on (\S+)/);
    stops.push(registry.stop);
    const registryUrl = registry.match[1]!;
    const secret = readFileSync(join(dataDir, 'secrets', 'tracker-secret'), 'utf8').trim();
    const serviceToken = readFileSync(join(dataDir, 'secrets', 'service-token'), 'utf8').trim();
    process.stdout.write(`filling the registry with ${SWARMS} active images…\n`);
    const swarms = await fillRegistry(registryUrl, serviceToken);
    // BENCH_TRACKER_PROFILE=dir writes a V8 CPU profile of our tracker there.
    const profile = process.env.BENCH_TRACKER_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_TRACKER_PROFILE}`] : [];
    const ours = await startCli(['tracker', '--port', '0', '--data-dir', dataDir, '--registry-url', registryUrl], /udp:\/\/127\.0\.0\.1:(\d+) \(UDP\)/, profile);
    stops.push(ours.stop);
    const ourPort = Number(ours.match[1]);
    const ot = await startOpenTracker(await freePort(), swarms.map((s) => s.infohash));
    stops.push(ot.stop);

    const work = buildWorkload(swarms, { peers: PEERS, perPeer: PER_PEER, projects: PROJECTS, secret });
    process.stdout.write(`${PEERS} simulated hosts, ${work.pairs} peer entries over ${swarms.length} swarms; ${SECONDS} s per run\n`);

    // The checks are on: a passkey of another project is refused a private swarm, opentracker refuses a stranger.
    const priv = swarms.find((s) => s.visibility === 'private' && s.project === 'proj-1')!;
    const refused = work.httpPaths[0]!.replace(/info_hash=[^&]+/, `info_hash=${[...Buffer.from(priv.infohash, 'hex')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`);
    const ourRefusal = await (await fetch(`http://127.0.0.1:${ourPort}${refused}`)).text();
    if (!ourRefusal.includes('access denied')) throw new Error(`expected an access refusal from our tracker, got ${ourRefusal}`);
    const stranger = work.httpPaths[0]!.replace(/info_hash=[^&]+/, `info_hash=${'%00'.repeat(20)}`);
    if (!(await (await fetch(`http://127.0.0.1:${ot.port}${stranger}`)).text()).includes('failure reason')) throw new Error('opentracker accepted an infohash off its whitelist');

    const targets = [
      { name: 'glance-p2p tracker', pid: ours.child.pid!, port: ourPort, keepAlive: true },
      // opentracker closes the connection after every answer.
      { name: 'opentracker', pid: ot.pid, port: ot.port, keepAlive: false },
    ];
    const rows: Row[] = [];
    for (const t of targets) {
      // Every peer announces `started` once, so the swarms are full before measuring.
      const warm = await udpLoad({ host: '127.0.0.1', port: t.port, packet: (i) => work.udpPacket(i, 2), count: work.pairs, sockets: UDP_SOCKETS, window: UDP_WINDOW });
      if (warm.errors > 0 || warm.ok < work.pairs * 0.99) throw new Error(`${t.name}: warm-up failed: ${warm.ok} ok, ${warm.errors} errors (${warm.firstError}), ${warm.timeouts} lost`);
      for (const connection of t.keepAlive ? (['keep-alive', 'per announce'] as const) : (['per announce'] as const)) {
        rows.push(
          await measure(t.name, t.pid, 'HTTP', connection, async (rate) => {
            const r = await httpLoad({ host: '127.0.0.1', port: t.port, paths: work.httpPaths, connections: HTTP_CONNECTIONS, seconds: SECONDS, newConnectionEach: connection === 'per announce', ...(rate ? { rate } : {}) });
            return { ...r, failures: r.failures + r.errors };
          }),
        );
      }
      rows.push(
        await measure(t.name, t.pid, 'UDP', '-', async (rate) => {
          const r = await udpLoad({ host: '127.0.0.1', port: t.port, packet: (i) => work.udpPacket(i, 0), durationMs: SECONDS * 1000, sockets: UDP_SOCKETS, window: UDP_WINDOW, ...(rate ? { rate } : {}) });
          if (r.firstError) process.stdout.write(`  ${t.name} UDP error: ${r.firstError}\n`);
          return { ...r, failures: r.errors + r.timeouts };
        }),
      );
    }
    const reference = (transport: string) => rows.find((r) => r.tracker === 'opentracker' && r.transport === transport)!.announcesPerSecond;
    printTable(
      `Tracker announces (${PEERS} hosts, ${work.pairs} peer entries, ${swarms.length} swarms; HTTP ${HTTP_CONNECTIONS} keep-alive connections, UDP ${UDP_SOCKETS}×${UDP_WINDOW} in flight; one machine, load generator included)`,
      rows.map((r) => ({
        tracker: r.tracker,
        transport: r.transport,
        connection: r.connection,
        'announces/s': Math.round(r.announcesPerSecond),
        'vs opentracker': Number((r.announcesPerSecond / reference(r.transport)).toFixed(2)),
        'needed: 10k hosts / 30 s': Math.round(NEEDED),
        '× needed': Number((r.announcesPerSecond / NEEDED).toFixed(1)),
        'p99 ms flat out': Number(r.p99MsFlatOut.toFixed(2)),
        'tracker CPU %': Math.round(r.cpuPercent),
        [`p50 / p99 ms at ${PACED_RATE}/s`]: `${r.p50MsPaced.toFixed(2)} / ${r.p99MsPaced.toFixed(2)}`,
        refused: r.failures,
      })),
    );
    process.stdout.write(
      'Flat out: closed loop, the next announce as soon as an answer is back (p99 then includes queueing). opentracker closes every HTTP connection after one answer, so it is measured with a new connection per announce; ours both ways, each HTTP row compared with opentracker\'s. Passkeys ride in every request; opentracker ignores them (it checks only its whitelist).\n',
    );
    const file = writeResults('tracker', { peers: PEERS, swarms: swarms.length, pairs: work.pairs, seconds: SECONDS, httpConnections: HTTP_CONNECTIONS, udp: { sockets: UDP_SOCKETS, window: UDP_WINDOW }, neededPerSecond: NEEDED, pacedRate: PACED_RATE, rows });
    process.stdout.write(`raw results: ${file}\n`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
