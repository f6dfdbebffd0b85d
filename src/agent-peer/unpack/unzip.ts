import { createWriteStream } from 'node:fs';
import { mkdir, realpath, symlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { UnsafeArchiveError, checkLinkTarget, inside, memberPath } from './safe-path.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function open(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(file, { lazyEntries: true, strictFileNames: false, validateEntrySizes: true }, (err, zip) => (err ? reject(err) : resolve(zip!))));
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream!))));
}

async function readAll(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Extract a zip into `root` with the same rules as tar: files, folders and links
 * that stay inside; device files and escaping names abort with UnsafeArchiveError.
 */
export async function unzip(file: string, root: string): Promise<number> {
  await mkdir(root, { recursive: true });
  const zip = await open(file);
  let count = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      // yauzl's own name checks (absolute, "..") come as plain errors: report them as refusals
      zip.on('error', (err: Error) => reject(/relative path|absolute path|invalid characters/i.test(err.message) ? new UnsafeArchiveError('(zip entry)', err.message) : err));
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          const name = entry.fileName;
          const path = memberPath(root, name);
          const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
          const kind = mode & S_IFMT;
          if (name.endsWith('/') || kind === S_IFDIR) {
            await mkdir(path, { recursive: true });
          } else if (kind === S_IFLNK) {
            const target = await readAll(await openEntry(zip, entry));
            checkLinkTarget(root, name, target);
            await mkdir(dirname(path), { recursive: true });
            await symlink(target, path);
          } else if (kind === 0 || kind === S_IFREG) {
            await mkdir(dirname(path), { recursive: true });
            if (!inside(await realpath(root), await realpath(dirname(path)))) throw new UnsafeArchiveError(name, 'its folder leads out of the target through a link');
            await pipeline(await openEntry(zip, entry), createWriteStream(path, { mode: kind ? mode & 0o777 & ~0o022 : 0o644 }));
          } else {
            throw new UnsafeArchiveError(name, 'a special file (only files, folders and links are unpacked)');
          }
          count++;
          zip.readEntry();
        })().catch(reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return count;
}
