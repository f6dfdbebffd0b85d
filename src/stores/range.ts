import { InvalidRangeError, StoreAbortedError, StoreProtocolError } from './errors.js';
import type { ReadOptions } from './object-store.js';

/** A validated read range: `length` undefined means to the end. */
export interface ByteRange {
  offset: number;
  length: number | undefined;
}

function checkCount(name: string, value: number | undefined, key: string): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidRangeError(`${name} must be an integer ≥ 0, got ${value}`, { key });
}

/**
 * Validates offset/length before any request is made; throws InvalidRangeError, or
 * StoreAbortedError when the caller's signal has already fired (no stream is created then).
 */
export function normalizeRange(key: string, options: ReadOptions = {}): ByteRange {
  if (options.signal?.aborted) throw new StoreAbortedError('read aborted before it started', { key, cause: options.signal.reason });
  checkCount('offset', options.offset, key);
  checkCount('length', options.length, key);
  return { offset: options.offset ?? 0, length: options.length };
}

/** The HTTP Range header for a range, or undefined when the whole object is wanted (no header: works on empty objects). */
export function rangeHeader(range: ByteRange): string | undefined {
  if (range.offset === 0 && range.length === undefined) return undefined;
  const end = range.length === undefined ? '' : String(range.offset + range.length - 1);
  return `bytes=${range.offset}-${end}`;
}

/** Bytes a range yields from an object of `size`, after checking offset ≤ size (InvalidRangeError otherwise). */
export function bytesInRange(key: string, range: ByteRange, size: number): number {
  if (range.offset > size) throw new InvalidRangeError(`offset ${range.offset} is past the end of ${key} (${size} bytes)`, { key });
  const rest = size - range.offset;
  return range.length === undefined ? rest : Math.min(rest, range.length);
}

/** A parsed `Content-Range: bytes start-end/total` (total undefined for `*`), or `bytes *\/total`. */
export interface ContentRange {
  start: number | undefined;
  end: number | undefined;
  total: number | undefined;
}

/** Parses a Content-Range header; undefined when absent or malformed. */
export function parseContentRange(header: string | undefined): ContentRange | undefined {
  if (!header) return undefined;
  const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(header.trim());
  if (!m) return undefined;
  const num = (s: string | undefined): number | undefined => (s === undefined || s === '*' ? undefined : Number(s));
  return { start: num(m[1]), end: num(m[2]), total: num(m[3]) };
}

/**
 * Bytes a 206 answer must carry, from its Content-Range. It must start at our offset; its
 * length is clipped by the total it states (s3rver answers an empty object with
 * `bytes 0-0/0` and Content-Length 1, then sends nothing).
 */
export function bytesFromContentRange(key: string, range: ByteRange, header: string | undefined): number {
  const cr = parseContentRange(header);
  if (!cr || cr.start !== range.offset || cr.end === undefined || cr.end < cr.start) {
    throw new StoreProtocolError(`answer for ${key} has Content-Range ${header}, asked from ${range.offset}`, { key });
  }
  let bytes = cr.end - cr.start + 1;
  if (cr.total !== undefined) bytes = Math.max(0, Math.min(bytes, cr.total - cr.start));
  if (range.length !== undefined && bytes > range.length) throw new StoreProtocolError(`answer for ${key} is longer than asked`, { key });
  return bytes;
}
