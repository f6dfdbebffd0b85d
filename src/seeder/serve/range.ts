import { RangeNotSatisfiableError } from '../../core/errors.js';

/** A byte range [start, end) of a resource. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parse a Range header for a resource of `size` bytes: single, open-ended
 * (`bytes=100-`) and suffix (`bytes=-100`) ranges. undefined means "the whole
 * thing" (no header, or several ranges, which we answer with the whole body as
 * RFC 9110 allows, or a range unit other than bytes, which RFC 9110 says to ignore).
 * Malformed or unsatisfiable byte ranges are a 416 that says why.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined || header === '') return undefined;
  if (/^\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*=/.test(header) && !/^\s*bytes\s*=/i.test(header)) return undefined;
  const match = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!match) throw new RangeNotSatisfiableError(`Malformed Range header ${JSON.stringify(header.slice(0, 100))}: only byte ranges are served`, size);
  // empty list elements (`bytes=0-1,`) are allowed and ignored (RFC 9110 §5.6.1)
  const specs = match[1]!.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const parsed = specs.map((spec) => {
    const m = /^(\d*)-(\d*)$/.exec(spec);
    if (!m || (m[1] === '' && m[2] === '')) throw new RangeNotSatisfiableError(`Malformed Range header ${JSON.stringify(header.slice(0, 100))}`, size);
    return { first: m[1] === '' ? undefined : Number(m[1]), last: m[2] === '' ? undefined : Number(m[2]) };
  });
  if (parsed.length === 0) throw new RangeNotSatisfiableError(`Malformed Range header ${JSON.stringify(header.slice(0, 100))}: no range in it`, size);
  if (parsed.length > 1) return undefined;
  const { first, last } = parsed[0]!;
  let range: ByteRange;
  if (first === undefined) {
    const suffix = Math.min(last!, size);
    if (suffix === 0) throw new RangeNotSatisfiableError(`Range ${header} selects no bytes`, size);
    range = { start: size - suffix, end: size };
  } else {
    if (last !== undefined && last < first) throw new RangeNotSatisfiableError(`Range ${header} ends before it starts`, size);
    range = { start: first, end: last === undefined ? size : Math.min(last + 1, size) };
  }
  if (range.start >= size) throw new RangeNotSatisfiableError(`Range ${header} starts at or after the end of the ${size}-byte image`, size);
  return range;
}
