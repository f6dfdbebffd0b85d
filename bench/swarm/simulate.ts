/**
 * tsx bench/swarm/simulate.ts — "Beyond one machine": the swarm at 32, 1,000 and
 * 10,000 hosts, from a measured run. The piece-slot model (piece-sim.ts) is
 * calibrated on one row of a bench:swarm results file (by default the largest N of
 * bench/results/swarm.json, where 32 agents share this machine's two cores, so the
 * rate folded in is lower than one agent per host would reach): a slot is given the
 * length that makes the model's p100 match the measured one, which folds the agents'
 * real per-host rate (CPU, protocol overhead, piece hand-over) into it. Tracker and registry load come from the figures of
 * bench:tracker and bench:registry.
 *
 *   --from bench/results/swarm.json   --n 32   --rate 100 (Mbit/s, hosts and Tellers)
 *   --tellers 1,4   --hosts 32,1000,10000
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { printTable } from '../lib/table.js';
import { mulberry32, simulateSwarm } from './piece-sim.js';
import { finishQuantile, type RowResult } from './results.js';

const { values } = parseArgs({
  options: {
    from: { type: 'string', default: 'bench/results/swarm.json' },
    n: { type: 'string' },
    rate: { type: 'string' },
    tellers: { type: 'string', default: '1,4' },
    hosts: { type: 'string', default: '32,1000,10000' },
  },
});

const PIECE = 4 * 1024 * 1024;
const ANNOUNCE_INTERVAL_S = 30;
// bench:tracker (bench/results/tracker.json): announces/s one tracker process answers
const TRACKER_NEW_CONN = 3_850; // HTTP, a new connection per announce (what webtorrent and aria2 do)
const TRACKER_UDP = 26_000;
// bench:registry: GET of one image by id, one connection, one core
const REGISTRY_GET = 6_000;
const CONNS = 55; // an agent's max_conns (and the tracker's numwant of 50 is about the same)

const measured = JSON.parse(readFileSync(values.from, 'utf8')) as { rows: Array<RowResult & { run: number }> };
const rows = measured.rows.filter((r) => r.modes.some((m) => m.mode === 'swarm'));
const cal = values.n ? rows.find((r) => r.n === Number(values.n))! : rows.reduce((a, b) => (b.n > a.n ? b : a));
const swarm = cal.modes.find((m) => m.mode === 'swarm')!;
const pieces = Math.ceil(cal.sizeBytes / PIECE);
const simAt = (hosts: number, tellers: number) => simulateSwarm({ hosts, pieces, seeds: tellers, seedRate: 1, degree: CONNS, random: mulberry32(hosts * 31 + tellers) });
const calSim = simAt(cal.n, 1);
// the measured efficiency (link-rate slot ÷ calibrated slot) carries over to other link rates
const efficiency = PIECE / cal.rateBytes / (finishQuantile(swarm, 1) / calSim.finishSlots[cal.n - 1]!);
const link = values.rate ? (Number(values.rate) * 1e6) / 8 : cal.rateBytes;
const idealSlotS = PIECE / link;
const slotS = idealSlotS / efficiency;
process.stdout.write(
  `calibration: ${values.from}, N = ${cal.n}, ${cal.sizeBytes / 2 ** 20} MiB (${pieces} pieces) at ${(cal.rateBytes * 8) / 1e6} Mbit/s: measured p100 ${finishQuantile(swarm, 1).toFixed(1)} s = ` +
    `${calSim.finishSlots[cal.n - 1]} model slots, so hosts move pieces at ${(100 * efficiency).toFixed(0)}% of their link rate; predictions at ${(link * 8) / 1e6} Mbit/s: a slot is ${slotS.toFixed(2)} s\n`,
);

const table: Array<Record<string, string | number>> = [];
for (const n of values.hosts.split(',').map(Number)) {
  for (const tellers of values.tellers.split(',').map(Number)) {
    const sim = simAt(n, tellers);
    const q = (x: number) => sim.finishSlots[Math.min(n - 1, Math.ceil(x * n) - 1)]! * slotS;
    table.push({
      hosts: n,
      Tellers: tellers,
      'swarm p50 s': Math.round(q(0.5)),
      'swarm p100 s': Math.round(q(1)),
      'model p100 s at 100% of link': Math.round((q(1) / slotS) * idealSlotS),
      'origin ÷ F': Number(((sim.seedPieces * PIECE) / cal.sizeBytes).toFixed(2)),
      'HTTP p100 s': Math.round((n * cal.sizeBytes) / (tellers * link)),
      'HTTP origin ÷ F': n,
      'tracker start burst s': Number((n / TRACKER_NEW_CONN).toFixed(2)),
      'tracker steady % (HTTP/UDP)': `${((100 * n) / ANNOUNCE_INTERVAL_S / TRACKER_NEW_CONN).toFixed(1)} / ${((100 * n) / ANNOUNCE_INTERVAL_S / TRACKER_UDP).toFixed(1)}`,
      'registry s (2 GETs/host)': Number(((2 * n) / REGISTRY_GET).toFixed(2)),
    });
  }
}
printTable(`Simulated swarm from the measured per-host rate (${cal.sizeBytes / 2 ** 20} MiB image, hosts and Tellers at ${(link * 8) / 1e6} Mbit/s, ${CONNS} connections per host)`, table);
