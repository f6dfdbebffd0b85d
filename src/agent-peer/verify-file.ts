import { createReadStream } from 'node:fs';
import { HashWorker } from '../core/hashing/hash-worker.js';

/** SHA-256 of a file, hashed on a worker thread (the main thread keeps serving peers). */
export async function sha256File(path: string): Promise<string> {
  const hasher = new HashWorker({ sha256: true });
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
      const wait = hasher.update(chunk);
      if (wait) await wait;
    }
    return (await hasher.digest()).sha256!;
  } catch (err) {
    hasher.destroy();
    throw err;
  }
}
