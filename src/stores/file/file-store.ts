import { open, opendir, readdir, realpath, rm, rmdir, stat, constants } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ObjectNotFoundError, ReadOnlyStoreError } from '../errors.js';
import { compareKeys } from '../keys.js';
import type { ListEntry, ObjectInfo, ObjectReadStream, ObjectStore, ObjectWriter, ReadOptions, WriteOptions } from '../object-store.js';
import { bytesInRange, normalizeRange } from '../range.js';
import { EtagCache } from './etag-cache.js';
import { FileRoot, RESERVED_DIR } from './file-root.js';
import { FileWriter } from './file-writer.js';
import { FileReadStream } from './file-read-stream.js';
import type { FileStoreOptions } from './file-options.js';
import { translateFsError } from './fs-errors.js';

/** Temp files older than this are left over from a crash: no writer runs that long. */
const STALE_TEMP_MS = 24 * 3600_000;

// A process killed mid-write leaves its temp file behind; the first write of the next run removes those.
async function sweepStaleTemps(dir: string, now = Date.now()): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (st && now - st.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true }).catch(() => undefined);
  }
}

function notFoundOr(err: unknown, key: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' ? new ObjectNotFoundError(key, { cause: err }) : translateFsError(err, key);
}

/** Objects as files under one folder: keys map to relative paths, and never leave the folder. */
export class FileStore implements ObjectStore {
  readonly type = 'file';
  readonly readOnly: boolean;
  readonly #root: FileRoot;
  readonly #etags: EtagCache;
  readonly #fsync: boolean;
  #swept: Promise<void> | undefined;

  constructor(readonly id: string, options: FileStoreOptions) {
    this.#root = new FileRoot(options.root);
    this.readOnly = options.readOnly ?? false;
    this.#fsync = options.fsync ?? true;
    this.#etags = new EtagCache(this.#root, !this.readOnly);
  }

  // Resolves symlinks and checks the result is a file inside the root.
  async #locate(key: string): Promise<string> {
    const path = this.#root.pathOf(key);
    let real: string;
    try {
      real = await realpath(path);
    } catch (err) {
      throw notFoundOr(err, key);
    }
    await this.#root.assertInside(key, real);
    return real;
  }

  async head(key: string): Promise<ObjectInfo> {
    const path = await this.#locate(key);
    const st = await stat(path, { bigint: true }).catch((err: unknown) => Promise.reject(notFoundOr(err, key)));
    if (!st.isFile()) throw new ObjectNotFoundError(key);
    const etag = await this.#etags.get(key, path, st);
    return { key, size: Number(st.size), etag, lastModified: st.mtime, contentType: undefined };
  }

  async read(key: string, options: ReadOptions = {}): Promise<ObjectReadStream> {
    const range = normalizeRange(key, options);
    const path = await this.#locate(key);
    // O_NOFOLLOW: the path was resolved above; refuse a symlink swapped in since.
    const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: unknown) => Promise.reject(notFoundOr(err, key)));
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new ObjectNotFoundError(key);
      const expected = bytesInRange(key, range, st.size);
      return new FileReadStream(fh, key, range.offset, expected, options.signal);
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw translateFsError(err, key);
    }
  }

  async write(key: string, options: WriteOptions = {}): Promise<ObjectWriter> {
    if (this.readOnly) throw new ReadOnlyStoreError({ key });
    const path = this.#root.pathOf(key);
    await this.#root.real(true);
    this.#swept ??= sweepStaleTemps(this.#root.reserved('tmp'));
    await this.#swept;
    return new FileWriter({ root: this.#root, etags: this.#etags, key, path, fsync: this.#fsync }, options.size, options.signal);
  }

  async delete(key: string): Promise<void> {
    if (this.readOnly) throw new ReadOnlyStoreError({ key });
    const path = this.#root.pathOf(key);
    try {
      // unlink removes a symlink itself, never its target; the parent must still be inside.
      await this.#root.assertInside(key, await realpath(dirname(path)), true);
      await rm(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw translateFsError(err, key);
    }
    await this.#etags.drop(key);
    await this.#prune(dirname(path));
  }

  // Removes folders left empty by a delete, up to the root, so deleted prefixes leave no trace.
  async #prune(dir: string): Promise<void> {
    while (dir.startsWith(this.#root.path) && dir !== this.#root.path) {
      try {
        await rmdir(dir);
      } catch {
        return;
      }
      dir = dirname(dir);
    }
  }

  async *list(prefix: string): AsyncIterable<ListEntry> {
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash);
    const found: string[] = [];
    // A prefix under a symlink that leads out of the root lists nothing (and names nothing out there).
    if (base !== '' && !(await this.#insideRoot(base))) return;
    await this.#walk(base, prefix, found);
    found.sort(compareKeys);
    for (const key of found) {
      try {
        const info = await this.head(key);
        yield { key, size: info.size, etag: info.etag, lastModified: info.lastModified };
      } catch (err) {
        if (!(err instanceof ObjectNotFoundError)) throw err;
      }
    }
  }

  // Whether folder `rel` exists and, symlinks resolved, lies inside the root.
  async #insideRoot(rel: string): Promise<boolean> {
    let real;
    try {
      real = await realpath(join(this.#root.path, ...rel.split('/')));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw translateFsError(err, rel);
    }
    return this.#root.assertInside(rel, real, true).then(() => true, () => false);
  }

  // Collects regular files (not symlinks) under `rel` whose key starts with `prefix`.
  async #walk(rel: string, prefix: string, out: string[]): Promise<void> {
    let dir;
    try {
      dir = await opendir(rel === '' ? this.#root.path : join(this.#root.path, ...rel.split('/')));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw translateFsError(err, rel);
    }
    for await (const entry of dir) {
      const key = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (rel === '' && entry.name === RESERVED_DIR) continue;
      if (entry.isDirectory()) {
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await this.#walk(key, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        out.push(key);
      }
    }
  }

  locationUrl(key: string): string {
    return pathToFileURL(this.#root.pathOf(key)).href;
  }

  keyOf(url: string): string | undefined {
    if (!url.startsWith('file:')) return undefined;
    try {
      return this.#root.keyOfPath(fileURLToPath(url));
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {}
}
