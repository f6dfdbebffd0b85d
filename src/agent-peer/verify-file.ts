import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/**
 * SHA-256 of a file, on the main thread but yielding between 1 MiB blocks, so the
 * event loop keeps serving peers. (A hashing thread would cost a V8 isolate's worth
 * of memory; the agent's budget is 200 MB whatever the image size.)
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    await yieldToLoop();
  }
  return hash.digest('hex');
}
