import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built executable benches run. */
export const BIN = fileURLToPath(new URL('../../bin/glance-p2p.js', import.meta.url));

/** A `glance-p2p up` process for a benchmark: its front door, the admin token, a stop. */
export interface UpProcess {
  url: string;
  token: string;
  pid: number;
  stop(): void;
}

/** Start `glance-p2p up` on free ports with `dataDir` (and a config file) and wait until it serves. */
export async function startUp(dataDir: string, config?: string): Promise<UpProcess> {
  const args = [BIN, 'up', '--registry-port', '0', '--seeder-port', '0', '--tracker-port', '0', '--data-dir', dataDir, ...(config ? ['--config', config] : [])];
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
