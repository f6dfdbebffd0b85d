import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One curl transfer as curl itself timed it. */
export interface CurlResult {
  seconds: number;
  bytes: number;
}

/**
 * Runs curl with `args` and returns its own time_total and byte count, so process start-up
 * is not charged to the server. Fails on a non-2xx status.
 */
export async function curl(args: string[], direction: 'download' | 'upload'): Promise<CurlResult> {
  const format = `%{time_total} %{size_${direction}} %{http_code}`;
  const { stdout } = await run('curl', ['-s', '-S', '-o', '/dev/null', '-w', format, ...args], { maxBuffer: 1 << 20 });
  const [seconds, bytes, status] = stdout.trim().split(' ');
  // file:// transfers report status 0.
  if (status !== '000' && !/^2/.test(status ?? '')) throw new Error(`curl ${args.join(' ')}: HTTP ${status}`);
  return { seconds: Number(seconds), bytes: Number(bytes) };
}
