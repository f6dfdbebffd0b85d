import { Worker } from 'node:worker_threads';

/** Which digests to compute over a byte stream. */
export interface HashSpec {
  sha256?: boolean;
  md5?: boolean;
  /** When set, SHA-1 of every piece of this many bytes (BitTorrent v1 piece hashes). */
  pieceLength?: number;
  /** When set, SHA-256 of every chunk of this many bytes (an object store's chunks). */
  chunkLength?: number;
}

/** Digests of everything passed to a HashWorker. */
export interface HashDigests {
  bytes: number;
  sha256?: string;
  md5?: string;
  /** SHA-1 digests of the pieces, concatenated (the torrent's `pieces`). */
  pieces?: Buffer;
  /** SHA-256 (hex) of each chunk, in order. */
  chunks?: string[];
}

const BLOCK_BYTES = 1024 * 1024;

// Plain CommonJS for an eval'd worker: it runs the same under tsc output and vitest.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const { sha256, md5, pieceLength, chunkLength } = workerData;
const h256 = sha256 ? crypto.createHash('sha256') : null;
const hmd5 = md5 ? crypto.createHash('md5') : null;
let piece = pieceLength ? crypto.createHash('sha1') : null;
let chunk = chunkLength ? crypto.createHash('sha256') : null;
let inPiece = 0, index = 0, bytes = 0, inChunk = 0;
const pieces = [], chunks = [];
parentPort.on('message', (msg) => {
  if (msg.type === 'data') {
    const buf = Buffer.from(msg.buf.buffer, msg.buf.byteOffset, msg.buf.byteLength);
    if (h256) h256.update(buf);
    if (hmd5) hmd5.update(buf);
    bytes += buf.length;
    if (chunkLength) {
      let off = 0;
      while (off < buf.length) {
        const take = Math.min(chunkLength - inChunk, buf.length - off);
        chunk.update(buf.subarray(off, off + take));
        inChunk += take; off += take;
        if (inChunk === chunkLength) { chunks.push(chunk.digest('hex')); chunk = crypto.createHash('sha256'); inChunk = 0; }
      }
    }
    const done = [];
    if (pieceLength) {
      let off = 0;
      while (off < buf.length) {
        const take = Math.min(pieceLength - inPiece, buf.length - off);
        piece.update(buf.subarray(off, off + take));
        inPiece += take; off += take;
        if (inPiece === pieceLength) {
          const d = piece.digest(); pieces.push(d); done.push([index++, d]);
          piece = crypto.createHash('sha1'); inPiece = 0;
        }
      }
    }
    // hand the block back (transferred, not copied) so the main thread reuses it
    parentPort.postMessage({ type: 'ack', bytes: buf.length, pieces: done, buf }, [buf.buffer]);
  } else if (msg.type === 'end') {
    const done = [];
    if (pieceLength && inPiece > 0) { const d = piece.digest(); pieces.push(d); done.push([index++, d]); }
    if (chunkLength && (inChunk > 0 || chunks.length === 0)) chunks.push(chunk.digest('hex'));
    parentPort.postMessage({ type: 'result', pieces: done, result: {
      bytes,
      sha256: h256 ? h256.digest('hex') : undefined,
      md5: hmd5 ? hmd5.digest('hex') : undefined,
      pieces: pieceLength ? Buffer.concat(pieces) : undefined,
      chunks: chunkLength ? chunks : undefined,
    } });
  }
});
`;

/**
 * Hashes a byte stream on a worker thread, so hashing runs on the second core while
 * the main thread does I/O. `update` copies the bytes over (one memcpy) and returns a
 * promise only when too much is queued: await it for backpressure. `onPiece` hears
 * each piece's SHA-1 as soon as it is known (verification can follow the stream).
 */
export class HashWorker {
  private readonly worker: Worker;
  private inFlight = 0;
  // Small writes are gathered into one block per message: postMessage per 64 KiB costs more than the hashing.
  private block: Uint8Array = new Uint8Array(BLOCK_BYTES);
  private blockUsed = 0;
  /** Blocks the worker gave back, ready for reuse (a fresh 1 MiB allocation per block costs page faults). */
  private readonly spare: Uint8Array[] = [];
  private waiters: Array<() => void> = [];
  private failure: Error | undefined;
  private finish: { resolve: (d: HashDigests) => void; reject: (e: Error) => void } | undefined;

  constructor(
    spec: HashSpec,
    private readonly onPiece?: (index: number, sha1: Buffer) => void,
    private readonly maxInFlight = 16 * 1024 * 1024,
  ) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: spec });
    this.worker.on('message', (msg: { type: string; bytes?: number; pieces: Array<[number, Uint8Array]>; result?: HashDigests; buf?: Uint8Array }) => {
      for (const [index, hash] of msg.pieces) this.onPiece?.(index, Buffer.from(hash));
      if (msg.type === 'ack') {
        if (msg.buf && msg.buf.byteLength === BLOCK_BYTES && this.spare.length < 8) this.spare.push(new Uint8Array(msg.buf.buffer, 0, BLOCK_BYTES));
        this.inFlight -= msg.bytes!;
        if (this.inFlight <= this.maxInFlight / 2) this.release();
      } else if (msg.type === 'result') {
        const result = msg.result!;
        if (result.pieces) result.pieces = Buffer.from(result.pieces);
        this.finish?.resolve(result);
        void this.worker.terminate();
      }
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (code !== 0 && !this.failure) this.fail(new Error(`hash worker exited with code ${code}`));
    });
  }

  /** Queue bytes for hashing; resolves at once unless the queue is full. */
  update(chunk: Uint8Array): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, BLOCK_BYTES - this.blockUsed);
      this.block.set(chunk.subarray(offset, offset + take), this.blockUsed);
      this.blockUsed += take;
      offset += take;
      if (this.blockUsed === BLOCK_BYTES) this.send();
    }
    if (this.inFlight < this.maxInFlight) return undefined;
    return new Promise((resolve, reject) => {
      if (this.failure) reject(this.failure);
      else this.waiters.push(resolve);
    });
  }

  /** Every digest, once the queued bytes are hashed. The worker ends afterwards. */
  digest(): Promise<HashDigests> {
    if (this.failure) return Promise.reject(this.failure);
    this.send();
    return new Promise((resolve, reject) => {
      this.finish = { resolve, reject };
      this.worker.postMessage({ type: 'end' });
    });
  }

  /** Stop the worker (on abort). */
  destroy(): void {
    void this.worker.terminate();
  }

  private send(): void {
    if (this.blockUsed === 0) return;
    const block = this.blockUsed === BLOCK_BYTES ? this.block : this.block.slice(0, this.blockUsed);
    this.inFlight += block.length;
    this.worker.postMessage({ type: 'data', buf: block }, [block.buffer as ArrayBuffer]);
    this.block = this.spare.pop() ?? new Uint8Array(BLOCK_BYTES);
    this.blockUsed = 0;
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private fail(err: Error): void {
    this.failure = err;
    this.finish?.reject(err);
    this.release();
  }
}
