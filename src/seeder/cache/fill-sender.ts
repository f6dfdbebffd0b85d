import { open, type FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { sendBlocks } from '../serve/file-sender.js';
import type { CacheFill } from './cache-fill.js';

// a function, so the state is read afresh after each await
const hasFailed = (fill: CacheFill) => fill.state === 'failed';

/** Resolves when the fill moves (more verified bytes, committed or failed) or the response closes. */
function moved(fill: CacheFill, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      fill.off('progress', wake);
      fill.off('committed', wake);
      fill.off('failed', wake);
      res.off('close', wake);
      resolve();
    };
    fill.on('progress', wake);
    fill.on('committed', wake);
    fill.on('failed', wake);
    res.on('close', wake);
  });
}

async function openFill(fill: CacheFill): Promise<FileHandle> {
  // The fill may rename its partial file into the cache while we open it: try again with the new path.
  for (let attempt = 0; ; attempt++) {
    try {
      return await open(fill.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || hasFailed(fill) || attempt >= 3) throw fill.error ?? err;
    }
  }
}

/**
 * Send bytes [start, end) of an image as a running fill provides them: read the fill's
 * file up to its verified watermark, wait for it to move, and fail (the caller cuts
 * the response) when the fill fails, so a corrupt image is never served complete.
 */
export async function sendFromFill(res: ServerResponse, fill: CacheFill, start: number, end: number): Promise<void> {
  let file: FileHandle | undefined;
  try {
    await sendBlocks(res, start, end, async (buf, pos, max) => {
      for (;;) {
        if (hasFailed(fill)) throw fill.error;
        // a client gone while we wait for the fill: stop here, so the file is closed now and not at GC
        if (res.destroyed) throw new Error('client went away');
        const available = Math.min(fill.verified, pos + max);
        if (available > pos) {
          file ??= await openFill(fill);
          return (await file.read(buf, 0, available - pos, pos)).bytesRead;
        }
        await moved(fill, res);
      }
    });
  } finally {
    await file?.close().catch(() => undefined);
  }
}
