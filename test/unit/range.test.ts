import { describe, expect, it } from 'vitest';
import { RangeNotSatisfiableError } from '../../src/core/errors.js';
import { parseRange } from '../../src/seeder/serve/range.js';

describe('parseRange (RFC 9110 byte ranges of a 1000-byte image)', () => {
  it('reads single, open-ended and suffix ranges, clamped to the size', () => {
    expect(parseRange('bytes=0-0', 1000)).toEqual({ start: 0, end: 1 });
    expect(parseRange('bytes=100-', 1000)).toEqual({ start: 100, end: 1000 });
    expect(parseRange('bytes=-10', 1000)).toEqual({ start: 990, end: 1000 });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 1000 });
    expect(parseRange('bytes=990-5000', 1000)).toEqual({ start: 990, end: 1000 });
    expect(parseRange(' Bytes = 5-9', 1000)).toEqual({ start: 5, end: 10 });
  });

  it('ignores empty list elements', () => {
    expect(parseRange('bytes=0-1,', 1000)).toEqual({ start: 0, end: 2 });
    expect(parseRange('bytes=, 3-4', 1000)).toEqual({ start: 3, end: 5 });
  });

  it('answers the whole image (undefined) for no header, several ranges, or another unit', () => {
    expect(parseRange(undefined, 1000)).toBeUndefined();
    expect(parseRange('', 1000)).toBeUndefined();
    expect(parseRange('bytes=0-1,5-6', 1000)).toBeUndefined();
    expect(parseRange('items=0-1', 1000)).toBeUndefined();
  });

  it('refuses malformed and unsatisfiable byte ranges with a 416 that carries the size', () => {
    for (const header of ['bytes=', 'bytes=,', 'bytes=abc', 'bytes=-', 'bytes=9-3', 'bytes=1000-', 'bytes=-0', 'garbage']) {
      let err: unknown;
      try {
        parseRange(header, 1000);
      } catch (e) {
        err = e;
      }
      expect(err, header).toBeInstanceOf(RangeNotSatisfiableError);
      expect((err as RangeNotSatisfiableError).size).toBe(1000);
    }
  });
});
