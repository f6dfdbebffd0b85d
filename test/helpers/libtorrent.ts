import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { tempDir } from './temp-dir.js';

const SCRIPT = fileURLToPath(new URL('./libtorrent-peer.py', import.meta.url));
/** Debian's python3 (the first python3 on PATH here may be a pyenv without libtorrent). */
const PYTHON = '/usr/bin/python3';

/** One line the libtorrent peer printed. */
export type LibtorrentEvent =
  | { type: 'started'; port: number; infohash: string; trackers: string[] }
  | { type: 'tracker_reply'; url: string; peers: number }
  | { type: 'tracker_error'; url: string; message: string; failure: string }
  | { type: 'tracker_warning'; url: string; message: string }
  | { type: 'progress'; progress: number; peers: number; downloaded: number; uploaded: number }
  | { type: 'finished'; downloaded: number; uploaded: number }
  /** Every piece is on disk (after a download, or after checking data that was there): it now only uploads. */
  | { type: 'seeding'; uploaded: number }
  | { type: 'error'; message: string }
  | { type: 'stopping'; downloaded: number; uploaded: number; seeding: boolean }
  | { type: 'stopped' };

/** How to run one libtorrent peer. */
export interface LibtorrentOptions {
  torrent: Buffer;
  /** Where the payload goes. When it is there already, libtorrent checks it and seeds. Default: a temp dir removed on stop. */
  dir?: string;
  listenPort?: number;
  /** Use only these announce URLs (e.g. only the UDP one, to test BEP 41). */
  trackers?: string[];
  /** Exit by itself once the download is complete. */
  exitWhenDone?: boolean;
}

/** A running python3-libtorrent peer. */
export interface LibtorrentPeer {
  readonly pid: number;
  readonly listenPort: number;
  readonly dir: string;
  /** Every event so far. */
  events(): LibtorrentEvent[];
  /** Resolves with the first event (past or future) the predicate accepts; rejects after `timeoutMs` or if the peer exits first. */
  waitFor<T extends LibtorrentEvent['type']>(type: T, predicate?: (e: Extract<LibtorrentEvent, { type: T }>) => boolean, timeoutMs?: number): Promise<Extract<LibtorrentEvent, { type: T }>>;
  /** stderr so far (Python tracebacks). */
  stderr(): string;
  /** SIGTERM: libtorrent sends `stopped` to its trackers and exits; SIGKILL after 10 s. Removes a temp dir. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Start a python3-libtorrent peer on 127.0.0.1 (DHT, LSD, UPnP off; several peers per IP allowed). */
export async function startLibtorrent(options: LibtorrentOptions): Promise<LibtorrentPeer> {
  const work = tempDir('glance-p2p-libtorrent-');
  const dir = options.dir ?? work.path;
  const torrentFile = join(work.path, 'image.torrent');
  writeFileSync(torrentFile, options.torrent);
  const listenPort = options.listenPort ?? (await freePort());
  const args = [SCRIPT, '--torrent', torrentFile, '--save', dir, '--port', String(listenPort)];
  for (const t of options.trackers ?? []) args.push('--tracker', t);
  if (options.exitWhenDone) args.push('--exit-when-done');
  const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const events: LibtorrentEvent[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      try {
        events.push(JSON.parse(line) as LibtorrentEvent);
      } catch {
        stderr += `${line}\n`;
      }
    }
    for (const l of listeners) l();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      for (const l of listeners) l();
      resolve();
    }),
  );
  let removed = false;
  return {
    pid: child.pid!,
    listenPort,
    dir,
    events: () => [...events],
    stderr: () => stderr,
    waitFor(type, predicate = () => true, timeoutMs = 60_000) {
      type E = Extract<LibtorrentEvent, { type: typeof type }>;
      const find = () => events.find((e): e is E => e.type === type && predicate(e as E));
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = find();
          if (hit) return done(() => resolve(hit));
          if (child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`libtorrent peer exited before ${type}\n${stderr}\n${JSON.stringify(events)}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no ${type} from the libtorrent peer within ${timeoutMs} ms: ${JSON.stringify(events.slice(-10))}\n${stderr}`))), timeoutMs);
        const done = (finish: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          finish();
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      if (!removed && !options.dir) work.remove();
      removed = true;
    },
  };
}
