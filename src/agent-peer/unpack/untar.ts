import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, realpath, symlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { UnsafeArchiveError, checkLinkTarget, inside, memberPath } from './safe-path.js';

/** Make sure the folder a member goes into is really under root (no symlinked folder leads out). */
async function safeParent(root: string, path: string, member: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  if (!inside(await realpath(root), await realpath(dirname(path)))) throw new UnsafeArchiveError(member, 'its folder leads out of the target through a link');
}

/**
 * Extract a tar (gzip'd when `gzip`) into `root`: files, folders and links that stay
 * inside; anything else (device files, FIFOs, escaping names or links) aborts the
 * whole extraction with UnsafeArchiveError. Returns the number of members written.
 */
export async function untar(file: string, root: string, gzip: boolean): Promise<number> {
  await mkdir(root, { recursive: true });
  const extract = tar.extract();
  let count = 0;
  const done = (async () => {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      const path = memberPath(root, name);
      switch (type) {
        case 'directory':
          await mkdir(path, { recursive: true });
          entry.resume();
          break;
        case 'file':
        case 'contiguous-file':
          await safeParent(root, path, name);
          await pipeline(entry, createWriteStream(path, { mode: (entry.header.mode ?? 0o644) & 0o777 & ~0o022 }));
          break;
        case 'symlink':
          checkLinkTarget(root, name, entry.header.linkname ?? '');
          await safeParent(root, path, name);
          await symlink(entry.header.linkname!, path);
          entry.resume();
          break;
        case 'link': {
          const target = memberPath(root, entry.header.linkname ?? '');
          await safeParent(root, path, name);
          await link(target, path);
          entry.resume();
          break;
        }
        default:
          throw new UnsafeArchiveError(name, `a ${type} member (only files, folders and links are unpacked)`);
      }
      count++;
    }
  })();
  const source = createReadStream(file);
  const feed = gzip ? pipeline(source, createGunzip(), extract) : pipeline(source, extract);
  try {
    await Promise.all([feed, done]);
  } catch (err) {
    source.destroy();
    extract.destroy();
    throw err;
  }
  return count;
}
