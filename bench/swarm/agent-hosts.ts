import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, NODE_ARGS } from '../lib/up.js';
import type { Origin } from './origin.js';
import { procUsage, runCommand, start, type Started } from './processes.js';
import type { HostResult } from './results.js';
import type { Testbed } from './testbed.js';

/** How the hosts' agents fetch. */
export interface AgentRunOptions {
  hosts: number;
  imageUri: string;
  /** Plain HTTP from Teller (`no_p2p`) instead of the swarm. */
  noP2p: boolean;
  /** The `agent:` section of every host's config (max_conns and the like). */
  agent?: Record<string, unknown>;
  /** Give up on a fetch after this long. */
  timeoutS: number;
  /** Extra node flags for the daemons (`--cpu-prof` to profile them). */
  nodeArgs?: string[];
}

/** One host's daemon with its API URL. */
interface Daemon {
  proc: Started;
  api: string;
}

/**
 * Start a `glance-p2p agent` daemon on every host (as it runs in production: started
 * before the image is wanted, so Node's start-up is not timed), then ask all of
 * them for the image at once through their local API and time each answer. A daemon
 * keeps seeding what it holds, so hosts that finish go on serving the others. A
 * pure swarm run: Teller is never added as a web seed.
 */
export async function runAgents(testbed: Testbed, origin: Origin, dir: string, opts: AgentRunOptions): Promise<HostResult[]> {
  const daemons: Daemon[] = [];
  try {
    const starting = Array.from({ length: opts.hosts }, async (_, i) => {
      const home = join(dir, `host-${i}`);
      mkdirSync(home, { recursive: true });
      const config = join(home, 'agent.yaml');
      const agent = { fallback_after_s: 3600, slow_rate: 0, swarm_stall_s: 3600, ...opts.agent };
      writeFileSync(config, JSON.stringify({ registries: [{ name: 'bench', url: origin.url, token: origin.token }], agent }));
      const port = testbed.ownPorts ? ['--port', '7000', '--bt-port', '6881'] : ['--port', '0', '--bt-port', '0'];
      const proc = start(testbed.wrap(i, [process.execPath, ...NODE_ARGS, ...(opts.nodeArgs ?? []), BIN, 'agent', '--host', '127.0.0.1', ...port, '--data-dir', home, '--config', config, '--log-level', 'warn']), join(home, 'agent.log'));
      daemons[i] = { proc, api: '' };
      const m = await proc.waitFor(/listening on (http:\/\/\S+)[\s\S]*peers on:\s+TCP \d+/, 120_000);
      daemons[i] = { proc, api: m[1]! };
    });
    await Promise.all(starting);
    const before = daemons.map((d) => procUsage(d.proc.pid));
    const t0 = Date.now();
    const body = JSON.stringify({ image_uri: opts.imageUri, no_p2p: opts.noP2p });
    const answers = await Promise.all(
      daemons.map(async (d, i) => {
        const out = await runCommand(testbed.wrap(i, ['curl', '-sS', '--max-time', String(opts.timeoutS), '-XPOST', '-H', 'content-type: application/json', '-d', body, `${d.api}/v1/fetch`]), (opts.timeoutS + 30) * 1000);
        const finishS = (Date.now() - t0) / 1000;
        return { finishS, answer: JSON.parse(out) as { image_path?: string; sha256?: string; swarm_bytes?: number; http_bytes?: number; message?: string } };
      }),
    );
    return answers.map(({ finishS, answer }, i) => {
      if (!answer.image_path) throw new Error(`host ${i}: fetch failed: ${JSON.stringify(answer)}\n${daemons[i]!.proc.output().slice(-2000)}`);
      const after = procUsage(daemons[i]!.proc.pid);
      return { host: i, finishS, file: answer.image_path, swarmBytes: answer.swarm_bytes ?? 0, httpBytes: answer.http_bytes ?? 0, cpuS: after.cpuS - before[i]!.cpuS, sysS: after.sysS - before[i]!.sysS, peakRssMb: after.peakRssMb };
    });
  } finally {
    await Promise.all(daemons.filter(Boolean).map((d) => d.proc.stop(5000)));
  }
}
