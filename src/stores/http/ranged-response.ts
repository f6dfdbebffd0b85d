import type { Readable } from 'node:stream';
import { CheckedReadStream } from '../checked-read-stream.js';
import { InvalidRangeError, StoreProtocolError } from '../errors.js';
import type { ObjectReadStream } from '../object-store.js';
import { bytesFromContentRange, bytesInRange, parseContentRange, type ByteRange } from '../range.js';
import { header, translateNetworkError } from './http-errors.js';

/** A GET's answer, as far as range handling needs it. */
export interface RangedResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

/** What to do with a GET that answered 200, 206 or 416 to a (possibly) ranged request. */
export interface RangedRead {
  key: string;
  range: ByteRange;
  signal?: AbortSignal | undefined;
  /** Size of the object, asked for when a 416 did not tell it. */
  sizeOf: () => Promise<number>;
}

/** Drops a body we will not read; undici errors a destroyed body, and nobody listens to it. */
export function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

function emptyStream(res: RangedResponse, read: RangedRead): ObjectReadStream {
  return new CheckedReadStream(res.body, { key: read.key, expected: 0, translate: (err) => translateNetworkError(err, read.key, 'read') });
}

/**
 * Turns a 200/206/416 answer into the stream the caller asked for. A 206 must start at our
 * offset; a 200 to a ranged request means the server ignored Range, so the bytes before the
 * offset are skipped here and the rest cut at the length. The byte count is always checked.
 */
export async function rangedStream(res: RangedResponse, read: RangedRead): Promise<ObjectReadStream> {
  const { key, range } = read;
  const translate = (err: unknown) => translateNetworkError(err, key, 'read');
  const lengthHeader = header(res.headers, 'content-length');
  const contentLength = lengthHeader === undefined ? undefined : Number(lengthHeader);
  if (res.statusCode === 416) {
    const total = parseContentRange(header(res.headers, 'content-range'))?.total ?? (await read.sizeOf());
    if (range.offset === total) return emptyStream(res, read);
    discard(res.body);
    throw new InvalidRangeError(`offset ${range.offset} is past the end of ${key} (${total} bytes)`, { key });
  }
  if (res.statusCode === 206) {
    let expected: number;
    try {
      expected = bytesFromContentRange(key, range, header(res.headers, 'content-range'));
    } catch (err) {
      discard(res.body);
      throw err;
    }
    return new CheckedReadStream(res.body, { key, expected, signal: read.signal, translate });
  }
  // 200: the whole object, whether or not we sent a Range.
  if (contentLength === undefined) {
    if (range.offset === 0 && range.length === undefined) return new CheckedReadStream(res.body, { key, expected: undefined, signal: read.signal, translate });
    discard(res.body);
    throw new StoreProtocolError(`server ignored Range for ${key} and sent no Content-Length`, { key });
  }
  let expected: number;
  try {
    expected = bytesInRange(key, range, contentLength);
  } catch (err) {
    discard(res.body);
    throw err;
  }
  if (range.offset === 0 && expected === contentLength) return new CheckedReadStream(res.body, { key, expected, signal: read.signal, translate });
  return new CheckedReadStream(res.body, { key, expected, slice: { skip: range.offset }, signal: read.signal, translate });
}
