import { createHash } from 'node:crypto';
import { createReadStream, type BigIntStats } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FileRoot } from './file-root.js';

/** What a sidecar remembers: the MD5 of one version of a file, named by inode, size and times. */
interface Sidecar {
  version: string;
  md5: string;
}

/** Identifies one version of a file without reading it: a rename or rewrite changes it. */
export function fileVersion(st: BigIntStats): string {
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/**
 * Keeps each file's MD5 (its etag) in a sidecar under the reserved folder, written at commit,
 * so HEAD never rereads a 256 MiB chunk. A sidecar that does not match the file's current
 * version (a file placed by hand, a crash between rename and sidecar) is recomputed.
 */
export class EtagCache {
  constructor(private readonly root: FileRoot, private readonly persist: boolean) {}

  #path(key: string): string {
    return this.root.reserved('meta', `${key}.json`);
  }

  /** The MD5 of the file at `path`, from the sidecar when it is current. */
  async get(key: string, path: string, st: BigIntStats): Promise<string> {
    const version = fileVersion(st);
    try {
      const saved = JSON.parse(await readFile(this.#path(key), 'utf8')) as Sidecar;
      if (saved.version === version && typeof saved.md5 === 'string') return saved.md5;
    } catch {
      // missing or unreadable: recompute
    }
    const md5 = await md5File(path);
    await this.put(key, st, md5);
    return md5;
  }

  /** Records the MD5 of the version `st` of a key; best effort (a read-only root keeps no sidecars). */
  async put(key: string, st: BigIntStats, md5: string): Promise<void> {
    if (!this.persist) return;
    const target = this.#path(key);
    const tmp = `${target}.${randomUUID()}.tmp`;
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(tmp, JSON.stringify({ version: fileVersion(st), md5 } satisfies Sidecar));
      await rename(tmp, target);
    } catch {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /** Forgets a key's sidecar. */
  async drop(key: string): Promise<void> {
    await rm(this.#path(key), { force: true }).catch(() => undefined);
  }
}

/** MD5 of a whole file, hex. */
export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
