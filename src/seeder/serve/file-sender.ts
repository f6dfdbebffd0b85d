import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

const BLOCK = 1024 * 1024;
const POOL_MAX = 64;
const pool: Buffer[] = [];

function take(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafeSlow(BLOCK);
}

function give(buf: Buffer): void {
  if (pool.length < POOL_MAX) pool.push(buf);
}

/**
 * Send bytes [start, end) of a file straight into a response, reading the next block
 * while the last one is being written, into buffers that are reused. A stream pipe
 * hands every block a fresh allocation (page faults per MiB) and reaches half of what
 * nginx's sendfile does; this gets close to it. Resolves when the last byte was handed
 * to the socket; rejects (and the caller cuts the connection) on a read error.
 */
export async function sendFileRange(res: ServerResponse, path: string, start: number, end: number): Promise<void> {
  const file = await open(path, 'r');
  const buffers = [take(), take()];
  let closed = false;
  const onClose = () => (closed = true);
  res.once('close', onClose);
  try {
    let pos = start;
    let turn = 0;
    let writing: Promise<void> = Promise.resolve();
    while (pos < end && !closed) {
      const buf = buffers[turn]!;
      turn ^= 1;
      const want = Math.min(BLOCK, end - pos);
      const { bytesRead } = await file.read(buf, 0, want, pos);
      if (bytesRead === 0) throw new Error(`${path} ended at ${pos}, before ${end}`);
      await writing; // the other buffer is free again
      pos += bytesRead;
      const chunk = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      // the write callback, not write()'s return value, says the socket is done with the buffer
      writing = new Promise<void>((resolve) => {
        res.write(chunk, () => resolve());
      });
    }
    await writing;
  } finally {
    res.off('close', onClose);
    await file.close();
    // a buffer may still be referenced by a socket write that was cut: only pool them after a clean finish
    if (!closed) buffers.forEach(give);
  }
}
