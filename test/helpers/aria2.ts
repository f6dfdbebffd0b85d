import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { spawnGroup, watchdog, type GroupProcess } from './process-group.js';
import { tempDir } from './temp-dir.js';

/** How to run one aria2c peer. */
export interface Aria2Options {
  /** The .torrent (bytes, as the registry serves it). */
  torrent: Buffer;
  /** Where the payload is written, or read from when seeding. Default: a temp dir removed on stop. */
  dir?: string;
  /** TCP port for peers (default: a free one). */
  listenPort?: number;
  /** Use only these announce URLs instead of the torrent's (`--bt-exclude-tracker=*`). */
  trackers?: string[];
  /** aria2 sends UDP announces only through its DHT socket; this opens it (a private torrent still never uses the DHT). */
  udp?: boolean;
  /** Minutes to seed after completion; 0 (default) exits when done. With the data already in `dir` it seeds at once. */
  seedTime?: number;
  /** Give up when nothing is downloaded for this many seconds (`--bt-stop-timeout`). */
  stopTimeoutSeconds?: number;
  extraArgs?: string[];
}

/** A running aria2c, in its own process group. */
export interface Aria2Peer {
  readonly pid: number;
  readonly listenPort: number;
  readonly dir: string;
  /** Resolves with the exit code when aria2c ends on its own (0: download complete). */
  exited(): Promise<number>;
  /** aria2's console output and log so far. */
  output(): string;
  /** Resolves when the output matches (it is polled); rejects after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The last tracker failure reason aria2 logged (HTTP or UDP), if any. */
  failureReason(): string | undefined;
  /** Resolves with the first failure reason aria2 logs; rejects after `timeoutMs`. */
  waitForFailureReason(timeoutMs?: number): Promise<string>;
  /** SIGTERM (aria2 then sends its `stopped` announces), SIGKILL after a grace period; removes a temp dir. */
  stop(): Promise<void>;
}

/** How aria2 logs a tracker's refusal: HTTP trackers on the console, UDP ones in its log. */
const FAILURE = /(?:Tracker returned failure reason: |UDPT received ERROR reply .*?error_string=)(.*)$/gm;

/** Start aria2c on 127.0.0.1 with DHT, LPD and PEX off, as REAL-PARTS.md prescribes. */
export async function startAria2(options: Aria2Options): Promise<Aria2Peer> {
  const work = tempDir('glance-p2p-aria2-');
  const dir = options.dir ?? join(work.path, 'data');
  mkdirSync(dir, { recursive: true });
  const torrentFile = join(work.path, 'image.torrent');
  writeFileSync(torrentFile, options.torrent);
  const listenPort = options.listenPort ?? (await freePort());
  const logFile = join(work.path, 'aria2.log');
  const outFile = join(work.path, 'console.log');
  const args = [
    `--dir=${dir}`,
    `--listen-port=${listenPort}`,
    '--bt-enable-lpd=false',
    '--enable-peer-exchange=false',
    `--enable-dht=${options.udp ? 'true' : 'false'}`,
    '--enable-dht6=false',
    `--dht-file-path=${join(work.path, 'dht.dat')}`,
    `--seed-time=${options.seedTime ?? 0}`,
    '--file-allocation=none',
    '--check-integrity=true',
    '--bt-seed-unverified=false',
    '--allow-overwrite=true',
    '--auto-save-interval=0',
    '--bt-tracker-interval=0',
    '--summary-interval=0',
    '--console-log-level=notice',
    `--log=${logFile}`,
    '--log-level=info',
    '--no-conf=true',
    `--stop-with-process=${process.pid}`,
  ];
  if (options.udp) args.push(`--dht-listen-port=${await freePort()}`);
  if (options.trackers) args.push('--bt-exclude-tracker=*', `--bt-tracker=${options.trackers.join(',')}`);
  if (options.stopTimeoutSeconds !== undefined) args.push(`--bt-stop-timeout=${options.stopTimeoutSeconds}`);
  args.push(...(options.extraArgs ?? []), torrentFile);
  const proc: GroupProcess = spawnGroup('/usr/bin/aria2c', args, outFile, { ...process.env, HOME: work.path });
  const guard = watchdog([proc], work.path);
  const exitCode = new Promise<number>((resolve) => proc.child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  const output = () => `${read(outFile)}\n${read(logFile)}`;
  const waitForOutput = async (pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> => {
    for (const deadline = Date.now() + timeoutMs; ; ) {
      const match = pattern.exec(output());
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`aria2c output did not match ${pattern} within ${timeoutMs} ms:\n${output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const failureReason = (): string | undefined => {
    const all = [...output().matchAll(FAILURE)];
    return all.length ? all[all.length - 1]![1]!.trim() : undefined;
  };
  let stopped = false;
  return {
    pid: proc.pid,
    listenPort,
    dir,
    exited: () => exitCode,
    output,
    waitForOutput,
    failureReason,
    async waitForFailureReason(timeoutMs = 30_000) {
      await waitForOutput(new RegExp(FAILURE.source, 'm'), timeoutMs);
      return failureReason()!;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await proc.stop(5000);
      await guard.stop(0);
      work.remove();
    },
  };
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
