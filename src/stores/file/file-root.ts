import { mkdir, realpath } from 'node:fs/promises';
import { join, relative, resolve, sep, isAbsolute } from 'node:path';
import { InvalidKeyError } from '../errors.js';
import { validateKey } from '../keys.js';

/** Folder under the root that holds temp files and etag sidecars; keys may not start with it. */
export const RESERVED_DIR = '.glance-store';

/**
 * Maps keys to paths under one root folder and refuses any that could leave it:
 * validateKey rules out '..' and absolute keys lexically, and every path is checked
 * again after symlinks are resolved, so a link inside the root cannot point out of it.
 */
export class FileRoot {
  readonly path: string;
  #real: string | undefined;

  constructor(root: string) {
    this.path = resolve(root);
  }

  /** The root with symlinks resolved, created first when `create` (a writable store's root may not exist yet). */
  async real(create = false): Promise<string> {
    if (this.#real) return this.#real;
    if (create) await mkdir(this.path, { recursive: true });
    this.#real = await realpath(this.path);
    return this.#real;
  }

  /** The path of a key, lexically inside the root. InvalidKeyError for bad or reserved keys. */
  pathOf(key: string): string {
    validateKey(key);
    if (key === RESERVED_DIR || key.startsWith(`${RESERVED_DIR}/`)) throw new InvalidKeyError(key, `'${RESERVED_DIR}' is reserved`);
    return join(this.path, ...key.split('/'));
  }

  /** Path of the reserved folder `name` (tmp, meta). */
  reserved(...parts: string[]): string {
    return join(this.path, RESERVED_DIR, ...parts);
  }

  /**
   * Throws InvalidKeyError when `target` (already symlink-resolved) is not inside the real root.
   * A folder (`isDir`) may be the root itself; an object may not.
   */
  async assertInside(key: string, target: string, isDir = false): Promise<void> {
    const root = await this.real();
    const rel = relative(root, target);
    if ((rel === '' && !isDir) || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
      throw new InvalidKeyError(key, 'resolves outside the store root (symlink)');
    }
  }

  /**
   * Creates the folders from the root down to `dir` (the folder of `key`) one level at a time,
   * checking each after symlinks are resolved before anything is created inside it, so a link
   * out of the root never gets folders made behind it.
   */
  async makeParents(key: string, dir: string): Promise<void> {
    await this.real(true);
    const rel = relative(this.path, dir);
    let current = this.path;
    for (const part of rel === '' ? [] : rel.split(sep)) {
      current = join(current, part);
      await mkdir(current).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      await this.assertInside(key, await realpath(current), true);
    }
  }

  /** The key a path under the root stands for, or undefined when it is outside or not a valid key. */
  keyOfPath(path: string): string | undefined {
    const rel = relative(this.path, resolve(path));
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
    const key = rel.split(sep).join('/');
    try {
      this.pathOf(key);
      return key;
    } catch {
      return undefined;
    }
  }
}
