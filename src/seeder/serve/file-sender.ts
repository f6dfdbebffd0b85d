import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

const BLOCK = 1024 * 1024;
const POOL_MAX = 64;
const pool: Buffer[] = [];

/** Reads up to `max` bytes at `pos` into `buf`; resolves with how many (0 means the source ended early). */
export type BlockReader = (buf: Buffer, pos: number, max: number) => Promise<number>;

/**
 * Send bytes [start, end) into a response, reading the next block while the last is
 * being written, into buffers that are reused. A stream pipe hands every block a fresh
 * allocation (page faults per MiB) and reaches half of what nginx's sendfile does; this
 * gets close to it. Resolves when the last byte was handed to the socket; rejects (and
 * the caller cuts the connection) when a read fails.
 */
export async function sendBlocks(res: ServerResponse, start: number, end: number, read: BlockReader): Promise<void> {
  const buffers = [pool.pop() ?? Buffer.allocUnsafeSlow(BLOCK), pool.pop() ?? Buffer.allocUnsafeSlow(BLOCK)];
  let closed = false;
  let onClose!: () => void;
  // a write's callback is not always called once the client is gone: closing also frees the loop
  const gone = new Promise<void>((resolve) => {
    onClose = () => {
      closed = true;
      resolve();
    };
  });
  res.once('close', onClose);
  try {
    let pos = start;
    let turn = 0;
    let writing: Promise<void> = Promise.resolve();
    while (pos < end && !closed) {
      const buf = buffers[turn]!;
      turn ^= 1;
      const got = await read(buf, pos, Math.min(BLOCK, end - pos));
      if (got === 0) throw new Error(`source ended at ${pos}, before ${end}`);
      await writing; // the other buffer is free again
      pos += got;
      const chunk = got === buf.length ? buf : buf.subarray(0, got);
      // the write callback, not write()'s return value, says the socket is done with the buffer
      writing = Promise.race([new Promise<void>((resolve) => res.write(chunk, () => resolve())), gone]);
    }
    await writing;
  } finally {
    res.off('close', onClose);
    // a buffer may still be referenced by a socket write that was cut: only pool them after a clean finish
    if (!closed) for (const b of buffers) if (pool.length < POOL_MAX) pool.push(b);
  }
}

/** Send bytes [start, end) of a file (a committed cache entry). */
export async function sendFileRange(res: ServerResponse, path: string, start: number, end: number): Promise<void> {
  const file = await open(path, 'r');
  try {
    await sendBlocks(res, start, end, async (buf, pos, max) => (await file.read(buf, 0, max, pos)).bytesRead);
  } finally {
    await file.close();
  }
}
