import { emptyReadStream } from '../empty-read-stream.js';
import { InvalidRangeError, StoreProtocolError } from '../errors.js';
import type { ObjectReadStream } from '../object-store.js';
import { bytesFromContentRange, bytesInRange, parseContentRange, type ByteRange } from '../range.js';
import type { OpenResponse } from './http-client.js';
import { header } from './http-errors.js';

/** What to do with a GET that answered 200, 206 or 416 to a (possibly) ranged request. */
export interface RangedRead {
  key: string;
  range: ByteRange;
  /** Size of the object, asked for when a 416 did not tell it. */
  sizeOf: () => Promise<number>;
}

/**
 * Turns a 200/206/416 answer into the stream the caller asked for. A 206 must start at our
 * offset; a 200 to a ranged request means the server ignored Range, so the bytes before the
 * offset are skipped here and the rest cut at the length. The byte count is always checked.
 */
export async function rangedStream(res: OpenResponse, read: RangedRead): Promise<ObjectReadStream> {
  const { key, range } = read;
  const { body } = res;
  if (res.statusCode === 416) {
    body.discard();
    const total = parseContentRange(header(res.headers, 'content-range'))?.total ?? (await read.sizeOf());
    if (range.offset === total) return emptyReadStream();
    throw new InvalidRangeError(`offset ${range.offset} is past the end of ${key} (${total} bytes)`, { key });
  }
  try {
    if (res.statusCode === 206) return body.expect(bytesFromContentRange(key, range, header(res.headers, 'content-range')));
    // 200: the whole object, whether or not we sent a Range.
    const lengthHeader = header(res.headers, 'content-length');
    if (lengthHeader === undefined) {
      if (range.offset === 0 && range.length === undefined) return body.expect(undefined);
      throw new StoreProtocolError(`server ignored Range for ${key} and sent no Content-Length`, { key });
    }
    const contentLength = Number(lengthHeader);
    const expected = bytesInRange(key, range, contentLength);
    return range.offset === 0 && expected === contentLength ? body.expect(expected) : body.expect(expected, range.offset);
  } catch (err) {
    body.destroy();
    throw err;
  }
}
