import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { IntegrityError, StoreAbortedError } from '../errors.js';
import type { ObjectReadStream } from '../object-store.js';
import { translateFsError } from './fs-errors.js';

/** Bytes per read call, and reads kept in flight: four 512 KiB reads keep up with curl on page-cached files. */
const READ_SIZE = 512 * 1024;
const READ_AHEAD = 4;

/**
 * Streams one byte range of an open file with a few reads in flight (fs.ReadStream issues one
 * at a time and reaches about half of curl's speed). Each chunk is a fresh buffer the consumer
 * may keep. A file that ends before the range does (truncated meanwhile) errors the stream.
 */
export class FileReadStream extends Readable implements ObjectReadStream {
  bytesRead = 0;
  readonly #fh: FileHandle;
  readonly #key: string;
  readonly #end: number;
  #next: number;
  readonly #pending: Array<Promise<Buffer>> = [];
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort: () => void;

  constructor(fh: FileHandle, key: string, offset: number, length: number, signal?: AbortSignal) {
    super({ highWaterMark: READ_SIZE * READ_AHEAD });
    this.#fh = fh;
    this.#key = key;
    this.#next = offset;
    this.#end = offset + length;
    this.#signal = signal;
    this.#onAbort = () => this.destroy(new StoreAbortedError('read aborted', { key, cause: signal?.reason }));
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  #fill(): void {
    while (this.#pending.length < READ_AHEAD && this.#next < this.#end) {
      const n = Math.min(READ_SIZE, this.#end - this.#next);
      const buf = Buffer.allocUnsafe(n);
      const read = this.#fh.read(buf, 0, n, this.#next).then(({ bytesRead }) => {
        if (bytesRead !== n) throw new IntegrityError(`file of ${this.#key} ended early (truncated while read)`, { key: this.#key });
        return buf;
      });
      read.catch(() => undefined);
      this.#pending.push(read);
      this.#next += n;
    }
  }

  override _read(): void {
    this.#fill();
    const read = this.#pending.shift();
    if (!read) {
      this.push(null);
      return;
    }
    read.then(
      (buf) => {
        if (this.destroyed) return;
        this.bytesRead += buf.length;
        this.push(buf);
      },
      (err: unknown) => this.destroy(translateFsError(err, this.#key)),
    );
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    // Close only once no read uses the descriptor any more.
    Promise.allSettled(this.#pending.splice(0))
      .then(() => this.#fh.close())
      .then(
        () => callback(err),
        () => callback(err),
      );
  }
}
