import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running opentracker (Debian's), whitelist mode, on 127.0.0.1. */
export interface OpenTracker {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

/**
 * Start opentracker with a whitelist of infohashes, HTTP and UDP on `port`. It
 * chroots into its directory and drops to `nobody`, so the directory and the
 * whitelist must be readable by everyone.
 */
export async function startOpenTracker(port: number, infohashes: string[]): Promise<OpenTracker> {
  const dir = mkdtempSync(join(tmpdir(), 'opentracker-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'whitelist'), `${infohashes.join('\n')}\n`, { mode: 0o644 });
  const child: ChildProcess = spawn('/usr/bin/opentracker', ['-i', '127.0.0.1', '-p', String(port), '-P', String(port), '-d', dir, '-w', 'whitelist'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', () => child.kill('SIGKILL'));
  for (const deadline = Date.now() + 10_000; ; ) {
    try {
      await (await fetch(`http://127.0.0.1:${port}/announce`)).arrayBuffer();
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`opentracker did not start: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { pid: child.pid!, port, stop };
}
