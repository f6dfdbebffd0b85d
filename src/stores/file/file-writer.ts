import { randomUUID } from 'node:crypto';
import { md5Hasher, type Md5Hasher } from '../../core/hashing/md5-hasher.js';
import { writevFully } from '../../core/write-fully.js';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidKeyError } from '../errors.js';
import type { WriteResult } from '../object-store.js';
import { StoreWriter } from '../store-writer.js';
import type { EtagCache } from './etag-cache.js';
import type { FileRoot } from './file-root.js';
import { translateFsError } from './fs-errors.js';

/** Writes queued on the thread pool at once per writer (more only contend for the file's lock). */
const WRITES_IN_FLIGHT = 2;
/** Incoming buffers (often 64 KiB socket reads) are gathered into one writev of about this size. */
const GATHER_BYTES = 1024 * 1024;

/** Where a file writer puts its bytes and how careful it is. */
export interface FileWriterTarget {
  root: FileRoot;
  etags: EtagCache;
  key: string;
  path: string;
  fsync: boolean;
}

/**
 * Writes into a temp file under the root's reserved folder (same file system, so the final
 * rename is atomic), hashing MD5 on the way (on a worker thread for large objects), and
 * renames it into place at commit.
 */
export class FileWriter extends StoreWriter {
  readonly #target: FileWriterTarget;
  readonly #tmp: string;
  readonly #md5: Md5Hasher;
  #handle: Promise<FileHandle>;
  #position = 0;
  #gathered: Buffer[] = [];
  #gatheredBytes = 0;
  readonly #writes = new Set<Promise<void>>();
  #writeError: Error | undefined;

  constructor(target: FileWriterTarget, size: number | undefined, signal?: AbortSignal) {
    super(target.key, size, signal);
    this.#md5 = md5Hasher(size);
    this.#target = target;
    this.#tmp = target.root.reserved('tmp', randomUUID());
    this.#handle = mkdir(dirname(this.#tmp), { recursive: true }).then(() => open(this.#tmp, 'wx', 0o644));
    this.#handle.catch(() => undefined);
  }

  protected async send(chunk: Buffer): Promise<void> {
    this.#gathered.push(chunk);
    this.#gatheredBytes += chunk.length;
    const hashing = this.#md5.update(chunk);
    if (this.#gatheredBytes >= GATHER_BYTES) await this.#flush();
    if (hashing) await hashing;
  }

  /** Positional writevs, a few in flight on libuv's thread pool, while MD5 (the slowest step) hashes beside them. */
  async #flush(): Promise<void> {
    const fh = await this.#handle;
    while (this.#writes.size >= WRITES_IN_FLIGHT) await Promise.race(this.#writes);
    if (this.#writeError) throw this.#writeError;
    if (this.#gatheredBytes === 0) return;
    const blocks = this.#gathered;
    const bytes = this.#gatheredBytes;
    this.#gathered = [];
    this.#gatheredBytes = 0;
    const write = writevFully(fh, blocks, bytes, this.#position).catch((err: unknown) => {
      this.#writeError ??= translateFsError(err, this.key);
    });
    this.#position += bytes;
    this.#writes.add(write);
    void write.finally(() => this.#writes.delete(write));
  }

  protected async finish(): Promise<WriteResult> {
    const { root, key, path, etags, fsync } = this.#target;
    const fh = await this.#handle;
    await this.#flush();
    await Promise.all(this.#writes);
    if (this.#writeError) throw this.#writeError;
    if (fsync) await fh.sync();
    await fh.close();
    const md5 = await this.#md5.digest();
    try {
      // Checked now, not when the writer opened, so a symlink swapped in meanwhile is caught too.
      // A delete of the folder's last other key may prune a folder just made: make it again.
      for (let attempt = 1; ; attempt++) {
        try {
          await root.makeParents(key, dirname(path));
          await rename(this.#tmp, path);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw err;
        }
      }
    } catch (err) {
      await rm(this.#tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new InvalidKeyError(key, 'is a prefix of other keys (a folder)');
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR' || (err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new InvalidKeyError(key, 'a prefix of it is an object');
      }
      throw translateFsError(err, key);
    }
    const st = await stat(path, { bigint: true });
    await etags.put(key, st, md5);
    return { etag: md5, size: this.bytesWritten };
  }

  protected async abort(): Promise<void> {
    this.#md5.destroy();
    await Promise.allSettled([...this.#writes]);
    try {
      const fh = await this.#handle;
      await fh.close().catch(() => undefined);
    } catch {
      // the temp file was never opened
    }
    await rm(this.#tmp, { force: true }).catch(() => undefined);
  }
}
