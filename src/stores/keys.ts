import { InvalidKeyError } from './errors.js';

/** Longest key accepted, in UTF-8 bytes: S3's and Swift's limit. */
export const MAX_KEY_BYTES = 1024;

// C0 controls and DEL: NUL can truncate paths in C libraries, and the others make keys
// that cannot be shown or put into URLs safely.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Checks the key rules every store shares: non-empty, at most 1024 bytes, no control
 * characters, no leading '/', and no empty, '.' or '..' segment. So no key can climb out of
 * a file store's root or alias another key in any store. Throws InvalidKeyError.
 */
export function validateKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError(String(key), 'must be a non-empty string');
  if (CONTROL.test(key)) throw new InvalidKeyError(key, key.includes('\0') ? 'contains a NUL byte' : 'contains a control character');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new InvalidKeyError(key, `longer than ${MAX_KEY_BYTES} bytes`);
  if (key.startsWith('/')) throw new InvalidKeyError(key, 'must be relative (no leading /)');
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidKeyError(key, 'has an empty segment');
    if (segment === '.' || segment === '..') throw new InvalidKeyError(key, `has a '${segment}' segment`);
  }
  return key;
}

/** Percent-encodes each segment of a key, keeping '/', for use in a URL path. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** Inverse of encodeKeyPath; undefined when the path is not valid percent-encoding or not a valid key. */
export function decodeKeyPath(path: string): string | undefined {
  try {
    const key = path.split('/').map(decodeURIComponent).join('/');
    validateKey(key);
    return key;
  } catch {
    return undefined;
  }
}

/** Compares keys in UTF-8 byte order, the order S3 and Swift list in. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
