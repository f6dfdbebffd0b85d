import { isAbsolute, join, posix, resolve, sep } from 'node:path';
import { GlanceError } from '../../core/errors.js';

/** An archive member that would write outside the target, or a kind of file we never create. */
export class UnsafeArchiveError extends GlanceError {
  constructor(member: string, why: string) {
    super('integrity', `Refusing to unpack ${JSON.stringify(member.slice(0, 200))}: ${why}`, { member: member.slice(0, 200) });
  }
}

/**
 * The path a member may be written to under `root`, or UnsafeArchiveError: no
 * absolute paths, no `..`, no NUL, no Windows drive or separator tricks.
 */
export function memberPath(root: string, name: string): string {
  if (name.includes('\0')) throw new UnsafeArchiveError(name, 'NUL byte in the name');
  if (name.includes('\\')) throw new UnsafeArchiveError(name, 'backslash in the name');
  if (name.startsWith('/') || isAbsolute(name) || /^[A-Za-z]:/.test(name)) throw new UnsafeArchiveError(name, 'absolute path');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new UnsafeArchiveError(name, 'a ".." path segment');
  if (parts.length === 0) throw new UnsafeArchiveError(name, 'empty name');
  const target = resolve(root, ...parts);
  if (!inside(root, target)) throw new UnsafeArchiveError(name, 'escapes the target');
  return target;
}

/** True when `path` is `root` or below it. */
export function inside(root: string, path: string): boolean {
  const r = resolve(root);
  const p = resolve(path);
  return p === r || p.startsWith(r.endsWith(sep) ? r : r + sep);
}

/** Check a symbolic link member: its target, taken from the link's folder, must stay under root. */
export function checkLinkTarget(root: string, member: string, linkTarget: string): void {
  if (!linkTarget) throw new UnsafeArchiveError(member, 'link without a target');
  if (linkTarget.includes('\0')) throw new UnsafeArchiveError(member, 'NUL byte in the link target');
  if (linkTarget.startsWith('/') || isAbsolute(linkTarget)) throw new UnsafeArchiveError(member, `link to an absolute path (${linkTarget})`);
  const from = posix.dirname(member.split('/').filter((p) => p !== '' && p !== '.').join('/'));
  const joined = posix.normalize(posix.join(from, linkTarget));
  if (joined === '..' || joined.startsWith('../')) throw new UnsafeArchiveError(member, `link that leaves the target (${linkTarget})`);
  if (!inside(root, join(root, joined))) throw new UnsafeArchiveError(member, `link that leaves the target (${linkTarget})`);
}
