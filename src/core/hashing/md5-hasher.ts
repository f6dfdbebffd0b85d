import { createHash } from 'node:crypto';
import { HashWorker } from './hash-worker.js';

/** An MD5 that is fed chunks and gives its hex digest once. */
export interface Md5Hasher {
  update(chunk: Uint8Array): Promise<void> | undefined;
  digest(): Promise<string>;
  destroy(): void;
}

/** Objects at least this large are hashed on a worker thread (worker start-up is not worth it below). */
export const MD5_WORKER_THRESHOLD = 8 * 1024 * 1024;

/**
 * MD5 on a worker thread for large or unknown sizes (it is the slowest hash, ~0.6 GB/s
 * a core, and would hold the main thread), inline for small objects.
 */
export function md5Hasher(size: number | undefined): Md5Hasher {
  if (size !== undefined && size < MD5_WORKER_THRESHOLD) {
    const hash = createHash('md5');
    return {
      update: (chunk) => void hash.update(chunk),
      digest: async () => hash.digest('hex'),
      destroy: () => undefined,
    };
  }
  const worker = new HashWorker({ md5: true });
  return {
    update: (chunk) => worker.update(chunk),
    digest: async () => (await worker.digest()).md5!,
    destroy: () => worker.destroy(),
  };
}
