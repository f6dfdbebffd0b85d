import { createReadStream, createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runAgents } from './agent-hosts.js';
import { runAria2 } from './aria2-hosts.js';
import { kumarRossBound } from './bound.js';
import { Origin } from './origin.js';
import { procUsage } from './processes.js';
import type { HostResult, ModeResult, RowResult } from './results.js';
import type { Testbed } from './testbed.js';

/** The ways the hosts can fetch: our agent through the swarm, our agent over plain HTTP, aria2c. */
export type Mode = ModeResult['mode'];

/** How to set a bench up. */
export interface BenchOptions {
  sizeBytes: number;
  /** The `seeder:` section of Teller's config (seeding options). */
  seeder?: Record<string, unknown>;
  /** The `agent:` section of every host's config. */
  agent?: Record<string, unknown>;
  /** Extra node flags for the agent daemons (profiling). */
  agentNodeArgs?: string[];
  /** Leave each row's host folders (images, logs) in place. */
  keep?: boolean;
}

/** Write `size` random bytes to `path`; their SHA-256. */
async function randomFile(path: string, size: number): Promise<string> {
  const out = createWriteStream(path);
  const hash = createHash('sha256');
  for (let done = 0; done < size; done += 16 << 20) {
    const block = randomBytes(Math.min(16 << 20, size - done));
    hash.update(block);
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return hash.digest('hex');
}

/** SHA-256 of a file, checked by the harness itself rather than trusting the agent's word. */
async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The swarm benchmark on a testbed: one origin with one image, then rows of N
 * hosts fetching it in each mode, with the Kumar–Ross bound, Teller's egress by
 * its own counters, each host's finish time, CPU and RSS, and a check of every
 * host's bytes. The CLI (run.ts) and the smoke test both drive this.
 */
export class SwarmBench {
  private constructor(
    private readonly testbed: Testbed,
    private readonly dir: string,
    private readonly opts: BenchOptions,
    readonly origin: Origin,
    readonly imageUri: string,
    readonly sha256: string,
    readonly torrent: Buffer,
  ) {}

  /** Start the origin and upload a random image of `sizeBytes`. */
  static async open(testbed: Testbed, dir: string, opts: BenchOptions): Promise<SwarmBench> {
    mkdirSync(dir, { recursive: true });
    const origin = await Origin.start(testbed, dir, opts.seeder);
    try {
      const file = join(dir, 'image.raw');
      const sha256 = await randomFile(file, opts.sizeBytes);
      const id = await origin.upload(file, 'swarm-bench.raw');
      rmSync(file);
      const torrent = await origin.torrent(id, join(dir, 'image.torrent'));
      return new SwarmBench(testbed, dir, opts, origin, `${origin.url}/v2/images/${id}`, sha256, torrent);
    } catch (err) {
      await origin.stop();
      throw err;
    }
  }

  /** T* for N hosts on this testbed (0 when unshaped). */
  bound(n: number): number {
    const r = this.testbed.rateBytes;
    return Number.isFinite(r) ? kumarRossBound(this.opts.sizeBytes, r, Array(n).fill(r), r) : 0;
  }

  /** Run every mode for N hosts, one after another. */
  async row(n: number, modes: Mode[]): Promise<RowResult> {
    const tStarS = this.bound(n);
    const result: RowResult = { n, sizeBytes: this.opts.sizeBytes, rateBytes: this.testbed.rateBytes, tStarS, modes: [] };
    for (const mode of modes) result.modes.push(await this.mode(n, mode, tStarS));
    return result;
  }

  /** Legs run so far: each gets a fresh folder, so a kept one (--keep) never serves a later run from its cache. */
  private legs = 0;

  private async mode(n: number, mode: Mode, tStarS: number): Promise<ModeResult> {
    const dir = join(this.dir, `${mode}-${n}-${++this.legs}`);
    mkdirSync(dir, { recursive: true });
    // generous: plain HTTP at N hosts needs N × T*, and a CPU-bound run several times more
    const timeoutS = Math.ceil(120 + 4 * n * tStarS);
    const e0 = await this.origin.egress();
    const c0 = procUsage(this.origin.process.pid).cpuS;
    try {
      let hosts: HostResult[];
      if (mode === 'aria2c') hosts = await runAria2(this.testbed, this.torrent, dir, n, timeoutS);
      else hosts = await runAgents(this.testbed, this.origin, dir, { hosts: n, imageUri: this.imageUri, noP2p: mode === 'http', timeoutS, ...(this.opts.agent ? { agent: this.opts.agent } : {}), ...(this.opts.agentNodeArgs ? { nodeArgs: this.opts.agentNodeArgs } : {}) });
      const e1 = await this.origin.egress();
      const originCpuS = procUsage(this.origin.process.pid).cpuS - c0;
      const sums = await Promise.all(hosts.map((h) => (h.file ? sha256File(h.file) : Promise.resolve(''))));
      return { mode, hosts, originBittorrentBytes: e1.bittorrent - e0.bittorrent, originHttpBytes: e1.http - e0.http, originCpuS, bytesOk: sums.every((s) => s === this.sha256) };
    } finally {
      if (!this.opts.keep) rmSync(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    await this.origin.stop();
  }
}
