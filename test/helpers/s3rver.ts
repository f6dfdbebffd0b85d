import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { spawnGroup, watchdog, type GroupProcess } from './process-group.js';

/** A running s3rver (npm) in a child process: its own CPU and memory, so it does not skew our measurements. */
export interface S3rverServer {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Data folder (buckets are subfolders). */
  directory: string;
  stop(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 (free port) with `buckets` created; path-style only. */
export async function startS3rver(buckets: string[] = ['test-bucket']): Promise<S3rverServer> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const port = await freePort();
  const bin = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');
  const args = [bin, '-d', directory, '-a', '127.0.0.1', '-p', String(port), '--silent', '--no-vhost-buckets'];
  for (const b of buckets) args.push('--configure-bucket', b);
  const logFile = join(directory, '..', `${directory.split('/').pop()}.log`);
  const proc: GroupProcess = spawnGroup(process.execPath, args, logFile);
  const guard = watchdog([proc], directory);
  const stop = async (): Promise<void> => {
    await guard.stop(0);
    await proc.stop();
    await rm(directory, { recursive: true, force: true });
    await rm(logFile, { force: true });
  };
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await fetch(endpoint);
      await res.arrayBuffer();
      break;
    } catch (err) {
      if (proc.child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`s3rver did not start: ${String(err)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'us-east-1', directory, stop };
}
