import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { spawnGroup, watchdog, type GroupProcess } from './process-group.js';

/** A running nginx (Debian's) serving one folder with sendfile: the reference for raw HTTP file speed. */
export interface NginxServer {
  /** Base URL ending in '/'. */
  url: string;
  port: number;
  root: string;
  stop(): Promise<void>;
}

/** Starts nginx in the foreground (its own process group) on 127.0.0.1, serving `root` read-only. */
export async function startNginx(root: string): Promise<NginxServer> {
  const dir = await mkdtemp(join(tmpdir(), 'nginx-'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(
    conf,
    `daemon off;
user root;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`,
  );
  const proc: GroupProcess = spawnGroup('/usr/sbin/nginx', ['-c', conf, '-p', dir], join(dir, 'stdout.log'));
  const guard = watchdog([proc], dir);
  const stop = async (): Promise<void> => {
    await guard.stop(0);
    await proc.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}/`;
  for (const deadline = Date.now() + 10_000; ; ) {
    try {
      await (await fetch(url)).arrayBuffer();
      break;
    } catch {
      if (proc.child.exitCode !== null || Date.now() > deadline) {
        const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
        await stop();
        throw new Error(`nginx did not start\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { url, port, root, stop };
}
