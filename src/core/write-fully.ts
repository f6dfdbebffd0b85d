import type { FileHandle } from 'node:fs/promises';

/**
 * Write `blocks` (`bytes` in all) at `position` in one writev, finishing with plain
 * writes in the rare case the kernel takes less (the API allows short writes).
 */
export async function writevFully(fh: FileHandle, blocks: Buffer[], bytes: number, position: number): Promise<void> {
  let done = (await fh.writev(blocks, position)).bytesWritten;
  if (done === bytes) return;
  const rest = Buffer.concat(blocks);
  while (done < bytes) done += (await fh.write(rest, done, bytes - done, position + done)).bytesWritten;
}
