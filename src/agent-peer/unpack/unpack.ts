import { open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../../core/errors.js';
import { untar } from './untar.js';
import { unzip } from './unzip.js';

/** How an image's container is unpacked. */
export type ArchiveKind = 'none' | 'tar' | 'tar.gz' | 'zip';

/** The archive kind for a container_format; `compressed` is told by its first bytes. */
export async function archiveKind(file: string, containerFormat: string | null): Promise<ArchiveKind> {
  switch (containerFormat) {
    case 'tar':
    case 'ova':
      return 'tar';
    case 'tar.gz':
      return 'tar.gz';
    case 'zip':
      return 'zip';
    case 'compressed':
      return sniff(file);
    default:
      return 'none';
  }
}

async function sniff(file: string): Promise<ArchiveKind> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(262);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
    if (bytesRead >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'zip';
    if (bytesRead >= 262 && head.subarray(257, 262).toString() === 'ustar') return 'tar';
    return 'none';
  } finally {
    await fh.close();
  }
}

/**
 * Unpack an image into `target` by its container format. Members go to a staging
 * folder inside the target first and are moved up only when the whole archive was
 * safe, so a refused archive leaves the target as it was. Returns the member count
 * (0 for bare images, which are not unpacked).
 */
export async function unpackImage(file: string, containerFormat: string | null, target: string): Promise<{ kind: ArchiveKind; members: number }> {
  const kind = await archiveKind(file, containerFormat);
  if (kind === 'none') return { kind, members: 0 };
  const staging = join(target, `.glance-p2p-unpacking-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  try {
    const members = kind === 'zip' ? await unzip(file, staging) : await untar(file, staging, kind === 'tar.gz');
    for (const name of await readdir(staging)) {
      try {
        await rename(join(staging, name), join(target, name));
      } catch (err) {
        throw new InvalidInputError(`Cannot place ${name} in ${target}: ${(err as Error).message}`);
      }
    }
    return { kind, members };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
