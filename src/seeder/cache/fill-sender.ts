import { open, type FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { CacheFill } from './cache-fill.js';

const BLOCK = 1024 * 1024;

// a function, so the state is read afresh after each await
const hasFailed = (fill: CacheFill) => fill.state === 'failed';

/** Resolves when the fill moves (more verified bytes, committed or failed). */
function moved(fill: CacheFill): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      fill.off('progress', wake);
      fill.off('committed', wake);
      fill.off('failed', wake);
      resolve();
    };
    fill.on('progress', wake);
    fill.on('committed', wake);
    fill.on('failed', wake);
  });
}

async function openFill(fill: CacheFill): Promise<FileHandle> {
  // The fill may rename its partial file into the cache while we open it: try again with the new path.
  for (let attempt = 0; ; attempt++) {
    try {
      return await open(fill.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || fill.state === 'failed' || attempt >= 3) throw fill.error ?? err;
    }
  }
}

/**
 * Send bytes [start, end) of an image as a running fill provides them, straight into
 * the response with reused buffers: read the fill's file up to its verified watermark,
 * wait for it to move, and fail (the caller cuts the response) when the fill fails,
 * so a corrupt image is never served complete.
 */
export async function sendFromFill(res: ServerResponse, fill: CacheFill, start: number, end: number): Promise<void> {
  if (fill.state === 'failed') throw fill.error;
  let file: FileHandle | undefined;
  const buffers = [Buffer.allocUnsafeSlow(BLOCK), Buffer.allocUnsafeSlow(BLOCK)];
  let closed = false;
  const onClose = () => (closed = true);
  res.once('close', onClose);
  try {
    let pos = start;
    let turn = 0;
    let writing: Promise<void> = Promise.resolve();
    while (pos < end && !closed) {
      if (hasFailed(fill)) throw fill.error;
      const available = Math.min(fill.verified, end);
      if (available <= pos) {
        await moved(fill);
        continue;
      }
      file ??= await openFill(fill);
      const buf = buffers[turn]!;
      turn ^= 1;
      const { bytesRead } = await file.read(buf, 0, Math.min(BLOCK, available - pos), pos);
      if (bytesRead === 0) throw new Error(`cache fill file ended early at ${pos}`);
      await writing;
      pos += bytesRead;
      const chunk = buf.subarray(0, bytesRead);
      writing = new Promise<void>((resolve) => {
        res.write(chunk, () => resolve());
      });
    }
    await writing;
  } finally {
    res.off('close', onClose);
    await file?.close().catch(() => undefined);
  }
}
