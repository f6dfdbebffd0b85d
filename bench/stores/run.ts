/**
 * npm run bench:stores — read and write MB/s of each adapter on a 256 MiB object, beside
 * curl moving the same object from the same server in the same run. Runs alternate
 * (ours, curl, ours, curl…) and the median counts. MB = 10^6 bytes.
 * Results: a table on stdout and JSON under bench/results/.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { curl } from './curl.js';
import { fileTarget, nginxTarget, s3rverTarget, startSwift, swiftS3Target, swiftTarget, type BenchTarget } from './targets.js';

const SIZE = Number(process.env.BENCH_MIB ?? 256) * 1024 * 1024;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Comma-separated adapter names to run (file,file-nosync,nginx,s3rver,s3api,swift); all by default. */
const ONLY = process.env.BENCH_ONLY?.split(',');

/** One row of the table. */
interface Row {
  adapter: string;
  op: 'read' | 'write';
  mbps: number;
  curlMbps: number;
  ratio: number;
  runs: { ours: number[]; curl: number[] };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbps = (bytes: number, seconds: number): number => bytes / 1e6 / seconds;

async function makeSource(dir: string): Promise<string> {
  const path = join(dir, 'source.bin');
  const fh = await open(path, 'w');
  for (let done = 0; done < SIZE; done += 1 << 20) await fh.write(randomBytes(Math.min(1 << 20, SIZE - done)));
  await fh.close();
  return path;
}

async function oursRead(t: BenchTarget, key: string): Promise<number> {
  const start = process.hrtime.bigint();
  const stream = await t.store.read(key);
  // Piped into a sink that drops bytes: how Teller consumes a read (into a socket), and curl -o /dev/null.
  await pipeline(stream, new Writable({ highWaterMark: 1 << 20, write: (_chunk, _enc, cb) => cb() }));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (stream.bytesRead !== SIZE) throw new Error(`${t.name}: read ${stream.bytesRead} bytes`);
  return mbps(SIZE, seconds);
}

async function oursWrite(t: BenchTarget, src: string, key: string): Promise<number> {
  const start = process.hrtime.bigint();
  const writer = await t.store.write(key, { size: SIZE });
  await pipeline(createReadStream(src, { highWaterMark: 1 << 20 }), writer);
  const result = await writer.commit();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.size !== SIZE) throw new Error(`${t.name}: wrote ${result.size} bytes`);
  return mbps(SIZE, seconds);
}

async function measure(t: BenchTarget, op: 'read' | 'write', src: string): Promise<Row> {
  const runs = { ours: [] as number[], curl: [] as number[] };
  // Round 0 warms up the JIT, connection pools and the server's caches; it is not counted.
  for (let i = -1; i < RUNS; i++) {
    const ours = op === 'read' ? await oursRead(t, 'object.bin') : await oursWrite(t, src, 'ours.bin');
    const c = op === 'read' ? await curl(t.curlRead('object.bin'), 'download') : await curl(t.curlWrite!(src, 'curl.bin'), 'upload');
    if (i < 0) continue;
    runs.ours.push(ours);
    runs.curl.push(mbps(c.bytes, c.seconds));
  }
  const ours = median(runs.ours);
  const theirs = median(runs.curl);
  return { adapter: t.name, op, mbps: ours, curlMbps: theirs, ratio: ours / theirs, runs };
}

function table(rows: Row[]): string {
  const head = ['adapter', 'op', 'MB/s', 'curl MB/s', 'ratio'];
  const body = rows.map((r) => [r.adapter, r.op, r.mbps.toFixed(0), r.curlMbps.toFixed(0), r.ratio.toFixed(2)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

/** Store settings that only change writes. */
const WRITE_ONLY = new Set(['file-nosync', 's3rver-oneput', 's3api-oneput']);

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-stores-'));
  const rows: Row[] = [];
  const wanted = (name: string) => !ONLY || ONLY.includes(name);
  const swift = wanted('s3api') || wanted('s3api-oneput') || wanted('swift') ? await startSwift() : undefined;
  try {
    const src = await makeSource(dir);
    const makers: Array<[string, () => Promise<BenchTarget>]> = [
      ['file', () => fileTarget(true)],
      ['file-nosync', () => fileTarget(false)],
      ['nginx', nginxTarget],
      ['s3rver', () => s3rverTarget()],
      ['s3rver-oneput', () => s3rverTarget(true)],
      ['s3api', () => swiftS3Target(swift!)],
      ['s3api-oneput', () => swiftS3Target(swift!, true)],
      ['swift', () => swiftTarget(swift!)],
    ];
    for (const [name, make] of makers) {
      if (!wanted(name)) continue;
      const t = await make();
      try {
        process.stderr.write(`${t.name}…\n`);
        await t.seed(src, 'object.bin');
        // fsync and the multipart threshold only change writes: those variants are measured for writes alone.
        if (!WRITE_ONLY.has(name)) rows.push(await measure(t, 'read', src));
        if (t.curlWrite) rows.push(await measure(t, 'write', src));
      } finally {
        await t.stop();
      }
    }
  } finally {
    await swift?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`\nObject: ${SIZE / 1024 / 1024} MiB, median of ${RUNS} alternating runs each after one warm-up, MB = 10^6 bytes, node ${process.version}\n`);
  console.log(table(rows));
  // Compiled to dist/bench-stores/bench/stores/: four levels up is the repository.
  const results = join(import.meta.dirname, '..', '..', '..', '..', 'bench', 'results');
  await mkdir(results, { recursive: true });
  const file = join(results, `stores-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, sizeBytes: SIZE, runs: RUNS, rows }, null, 2));
  console.log(`\nJSON: ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
