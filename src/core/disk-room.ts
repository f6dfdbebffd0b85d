import { statfs } from 'node:fs/promises';
import { TooLargeError } from './errors.js';

/** Fail before a download when the filesystem holding `dir` has less than `bytes` free (413, reason disk_full). */
export async function checkDiskRoom(dir: string, bytes: number): Promise<void> {
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (free < bytes) throw new TooLargeError(`Not enough disk for the download in ${dir}: it needs ${bytes} bytes, ${free} are free`, { reason: 'disk_full', needed: bytes, free });
}
