import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { CacheFill } from './cache-fill.js';

const READ_BLOCK = 1024 * 1024;

async function openFillFile(fill: CacheFill): Promise<FileHandle> {
  // The fill may rename its partial file into the cache while we open it: try again with the new path.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await open(fill.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || fill.state === 'failed') throw fill.error ?? err;
    }
  }
  return open(fill.path, 'r');
}

/**
 * Bytes [start, end) of an image as a running fill provides them: reads the fill's
 * file up to its verified watermark and waits for it to move. Errors when the fill
 * fails, so a corrupt image is never served complete.
 */
export function followFill(fill: CacheFill, start: number, end: number): Readable {
  let file: FileHandle | undefined;
  let pos = start;
  // Node may call read() again while an await below is pending; one loop at a time.
  let busy = false;
  const waitForMore = () =>
    new Promise<void>((resolve) => {
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
  return new Readable({
    highWaterMark: 4 * READ_BLOCK,
    async read() {
      if (busy) return;
      busy = true;
      try {
        while (pos < end) {
          if (fill.state === 'failed') throw fill.error;
          const available = Math.min(fill.verified, end);
          if (available <= pos) {
            await waitForMore();
            continue;
          }
          file ??= await openFillFile(fill);
          const length = Math.min(READ_BLOCK, available - pos);
          const buffer = Buffer.allocUnsafe(length);
          const { bytesRead } = await file.read(buffer, 0, length, pos);
          if (bytesRead === 0) throw new Error(`cache file ended early at ${pos}`);
          pos += bytesRead;
          if (!this.push(bytesRead === length ? buffer : buffer.subarray(0, bytesRead))) return;
        }
        this.push(null);
      } catch (err) {
        this.destroy(err as Error);
      } finally {
        busy = false;
      }
    },
    async destroy(err, callback) {
      await file?.close().catch(() => undefined);
      callback(err);
    },
  });
}
