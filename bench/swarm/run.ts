/**
 * npm run bench:swarm — N hosts fetch one image at once, each in its own network
 * namespace with shaped links, Teller + tracker in another; our swarm, plain HTTP
 * and aria2c in turn, beside the Kumar–Ross bound T*. Prints the table, writes
 * bench/results/swarm.json and a PNG of finish-time curves. Needs root (ip netns, tc).
 *
 *   --hosts 4,8,16,32   --size 128 (MiB)   --rate 100 (Mbit/s each way)   --delay-ms 1
 *   --modes swarm,http,aria2c   --runs 1   --png FILE   --name swarm (results file)
 *   --max-conns N (agents)   --seed-conns N (Teller)   --agent-node-args='--cpu-prof --cpu-prof-dir=D' (profiling)
 *   --keep (leave the hosts' folders and logs in place, and print where)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { printTable, writeResults } from '../lib/table.js';
import { drawFinishTimes } from './chart.js';
import { SwarmBench, type Mode } from './harness.js';
import { NetnsTestbed } from './netns-testbed.js';
import { summarize } from './summary.js';
import type { RowResult } from './results.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '4,8,16,32' },
    size: { type: 'string', default: '128' },
    rate: { type: 'string', default: '100' },
    'delay-ms': { type: 'string', default: '1' },
    modes: { type: 'string', default: 'swarm,http,aria2c' },
    runs: { type: 'string', default: '1' },
    png: { type: 'string' },
    name: { type: 'string', default: 'swarm' },
    'max-conns': { type: 'string' },
    'seed-conns': { type: 'string' },
    'agent-node-args': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const hostCounts = values.hosts.split(',').map(Number);
const sizeBytes = Number(values.size) * 1024 * 1024;
const rateMbit = Number(values.rate);
const modes = values.modes.split(',') as Mode[];
const runs = Number(values.runs);
const agent = values['max-conns'] ? { max_conns: Number(values['max-conns']) } : undefined;
const seeder = values['seed-conns'] ? { seeding: { max_conns: Number(values['seed-conns']) } } : undefined;

const testbed = NetnsTestbed.create({ hosts: Math.max(...hostCounts), rateMbit, delayMs: Number(values['delay-ms']) });
const dir = mkdtempSync(join(tmpdir(), 'glance-p2p-swarm-bench-'));
// Ctrl-C exits from the testbed's signal handler, past the finally below: the images go too
const removeDir = () => {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
};
process.on('exit', removeDir);
const rows: Array<RowResult & { run: number }> = [];
try {
  process.stdout.write(`testbed: ${testbed.description}; image ${values.size} MiB; modes ${modes.join(', ')}; ${runs} run(s)\n`);
  const agentNodeArgs = values['agent-node-args']?.split(' ').filter(Boolean);
  const bench = await SwarmBench.open(testbed, dir, { sizeBytes, ...(seeder ? { seeder } : {}), ...(agent ? { agent } : {}), ...(agentNodeArgs ? { agentNodeArgs } : {}), keep: values.keep });
  try {
    for (let run = 1; run <= runs; run++) {
      for (const n of hostCounts) {
        const row = await bench.row(n, modes);
        rows.push({ ...row, run });
        process.stdout.write(`${JSON.stringify(summarize(row))}\n`);
      }
    }
  } finally {
    await bench.close();
  }
  const table = rows.map((r) => ({ ...(runs > 1 ? { run: r.run } : {}), ...summarize(r) }));
  printTable(`Swarm benchmark: ${testbed.description}; image ${values.size} MiB (F); times ÷ T*, origin egress ÷ F`, table);
  // The results first: a missing gnuplot must not cost a run that took minutes.
  process.stdout.write(`raw results: ${writeResults(values.name, { testbed: testbed.description, sizeBytes, rateMbit, runs, rows, table })}\n`);
  const png = values.png ?? join('bench', 'results', `${values.name}-finish-times.png`);
  try {
    drawFinishTimes(rows.filter((r) => r.run === 1), png, `each host and Teller shaped to ${rateMbit} Mbit/s up and down, image ${values.size} MiB`);
    process.stdout.write(`finish-time curves: ${png}\n`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    process.stdout.write('no finish-time curves: gnuplot is not installed (apt-get install gnuplot-nox)\n');
  }
} finally {
  await testbed.close();
  removeDir();
  if (values.keep) process.stdout.write(`kept: ${dir}\n`);
}
