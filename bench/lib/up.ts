import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built executable benches run. */
export const BIN = fileURLToPath(new URL('../../bin/glance-p2p.js', import.meta.url));

/**
 * Node flags every long-running part is started with, as `npm start`, the executable's
 * shebang and the Docker image do: a 128 MB initial old space. With V8's default, a small
 * heap under a stream of socket buffers ran a full mark-compact every 100–150 ms (25 per
 * 512 MiB cold GET in Teller, 28 per 128 MiB fetch in an agent). See the README's tuning notes.
 */
export const NODE_ARGS = ['--initial-old-space-size=128'];

/** A `glance-p2p up` process for a benchmark: its front door, the admin token, a stop. */
export interface UpProcess {
  url: string;
  token: string;
  pid: number;
  stop(): void;
}

/** Start `glance-p2p up` on free ports with `dataDir` (and a config file) and wait until it serves. */
export async function startUp(dataDir: string, config?: string): Promise<UpProcess> {
  const args = [...NODE_ARGS, BIN, 'up', '--registry-port', '0', '--seeder-port', '0', '--tracker-port', '0', '--data-dir', dataDir, ...(config ? ['--config', config] : [])];
  const child = spawn(process.execPath, args, { env: { ...process.env, GLANCE_P2P_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /front door \(Teller\):\s+(\S+)/.exec(out);
      if (m && /admin token/.test(out)) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`glance-p2p up exited with ${code}`)));
  });
  return { url, pid: child.pid!, token: readFileSync(join(dataDir, 'secrets', 'admin-token'), 'utf8').trim(), stop: () => child.kill('SIGTERM') };
}
