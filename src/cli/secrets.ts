import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Secrets an installation needs; generated once per data dir, one file each under `secrets/`. */
export interface Secrets {
  admin_token: string;
  service_token: string;
  tracker_secret: string;
  url_secret: string;
}

const FILES: Record<keyof Secrets, string> = {
  admin_token: 'admin-token',
  service_token: 'service-token',
  tracker_secret: 'tracker-secret',
  url_secret: 'url-secret',
};

/** Read the data dir's secrets, creating missing ones (mode 0600) so restarts keep them. */
export function loadOrCreateSecrets(dataDir: string): Secrets {
  const dir = join(dataDir, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const out = {} as Secrets;
  for (const [key, file] of Object.entries(FILES) as Array<[keyof Secrets, string]>) {
    const path = join(dir, file);
    if (existsSync(path)) out[key] = readFileSync(path, 'utf8').trim();
    else {
      out[key] = `${key.endsWith('token') ? 'gp2p_' : ''}${randomBytes(32).toString('base64url')}`;
      writeFileSync(path, `${out[key]}\n`, { mode: 0o600 });
    }
  }
  return out;
}
