import { Readable } from 'node:stream';
import type { ObjectReadStream } from './object-store.js';

/** A read of no bytes (length 0, or offset at the very end): answered without a request. */
class EmptyReadStream extends Readable implements ObjectReadStream {
  readonly bytesRead = 0;

  override _read(): void {
    this.push(null);
  }
}

/** A stream of no bytes, for reads of length 0 or at the very end of an object. */
export function emptyReadStream(): ObjectReadStream {
  return new EmptyReadStream();
}
