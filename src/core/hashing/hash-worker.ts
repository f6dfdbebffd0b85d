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
// Bytes arrive in slots of a SharedArrayBuffer the main thread fills; messages only name
// the slot. (Transferring buffers back and forth instead makes every block count as new
// external memory in both isolates, and the main isolate then runs a full GC every few
// dozen MiB.)
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const { spec, ring, slotBytes } = workerData;
const { sha256, md5, pieceLength, chunkLength } = spec;
const h256 = sha256 ? crypto.createHash('sha256') : null;
const hmd5 = md5 ? crypto.createHash('md5') : null;
let piece = pieceLength ? crypto.createHash('sha1') : null;
let chunk = chunkLength ? crypto.createHash('sha256') : null;
let inPiece = 0, index = 0, bytes = 0, inChunk = 0;
const pieces = [], chunks = [];
parentPort.on('message', (msg) => {
  if (msg.type === 'data') {
    const buf = Buffer.from(ring, msg.slot * slotBytes, msg.length);
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
    parentPort.postMessage({ type: 'ack', slot: msg.slot, pieces: done });
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
 * the main thread does I/O. `update` copies the bytes into a shared ring (one memcpy)
 * and returns a promise only when the ring is full: await it for backpressure (until it
 * resolves, the rest of that chunk is kept by reference, so do not reuse its memory).
 * `onPiece` hears each piece's SHA-1 as soon as it is known (verification can follow the stream).
 */
export class HashWorker {
  private readonly worker: Worker;
  private readonly slotBytes: number;
  private readonly ring: Buffer;
  /** Slots the worker is done with. */
  private readonly free: number[];
  private readonly slotCount: number;
  /** The slot being filled, and how much of it is. */
  private slot: number | undefined;
  private slotUsed = 0;
  /** Bytes that did not fit while the ring was full, copied in as slots come back. */
  private overflow: Uint8Array[] = [];
  private waiters: Array<() => void> = [];
  private failure: Error | undefined;
  private finish: { resolve: (d: HashDigests) => void; reject: (e: Error) => void } | undefined;
  private ending = false;
  private endSent = false;

  constructor(
    spec: HashSpec,
    private readonly onPiece?: (index: number, sha1: Buffer) => void,
    maxInFlight = 16 * 1024 * 1024,
  ) {
    // Small writes are gathered into slots of up to 1 MiB: a message per 64 KiB costs more than the hashing.
    this.slotBytes = Math.max(1, Math.min(BLOCK_BYTES, Math.floor(maxInFlight / 2)));
    this.slotCount = Math.max(2, Math.ceil(maxInFlight / this.slotBytes));
    const shared = new SharedArrayBuffer(this.slotBytes * this.slotCount);
    this.ring = Buffer.from(shared);
    this.free = Array.from({ length: this.slotCount }, (_, i) => this.slotCount - 1 - i);
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { spec, ring: shared, slotBytes: this.slotBytes } });
    this.worker.on('message', (msg: { type: string; slot?: number; pieces: Array<[number, Uint8Array]>; result?: HashDigests }) => {
      for (const [index, hash] of msg.pieces) this.onPiece?.(index, Buffer.from(hash));
      if (msg.type === 'ack') {
        this.free.push(msg.slot!);
        this.drainOverflow();
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

  /** Queue bytes for hashing; resolves at once unless the ring is full. */
  update(chunk: Uint8Array): Promise<void> | undefined {
    if (this.ending) return Promise.reject(new Error('HashWorker: update after digest'));
    if (this.failure) return Promise.reject(this.failure);
    if (this.overflow.length === 0) {
      const copied = this.copyIn(chunk);
      if (copied === chunk.length) return undefined;
      chunk = chunk.subarray(copied);
    }
    this.overflow.push(chunk);
    return new Promise((resolve, reject) => {
      if (this.failure) reject(this.failure);
      else this.waiters.push(resolve);
    });
  }

  /** Every digest, once the queued bytes are hashed. The worker ends afterwards. */
  digest(): Promise<HashDigests> {
    if (this.failure) return Promise.reject(this.failure);
    this.ending = true;
    return new Promise((resolve, reject) => {
      this.finish = { resolve, reject };
      this.drainOverflow();
    });
  }

  /** Stop the worker (on abort). */
  destroy(): void {
    void this.worker.terminate();
  }

  /** Copies as much of `chunk` as free slots take, sending each slot as it fills; returns the bytes copied. */
  private copyIn(chunk: Uint8Array): number {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.slot === undefined) {
        this.slot = this.free.pop();
        if (this.slot === undefined) break;
        this.slotUsed = 0;
      }
      const take = Math.min(chunk.length - offset, this.slotBytes - this.slotUsed);
      this.ring.set(chunk.subarray(offset, offset + take), this.slot * this.slotBytes + this.slotUsed);
      this.slotUsed += take;
      offset += take;
      if (this.slotUsed === this.slotBytes) this.send();
    }
    return offset;
  }

  /** Moves waiting bytes into freed slots; wakes writers once the ring is half free; ends when asked and empty. */
  private drainOverflow(): void {
    while (this.overflow.length > 0) {
      const head = this.overflow[0]!;
      const copied = this.copyIn(head);
      if (copied < head.length) {
        this.overflow[0] = head.subarray(copied);
        return;
      }
      this.overflow.shift();
    }
    if (this.waiters.length > 0 && this.free.length >= this.slotCount / 2) this.release();
    if (this.ending && !this.endSent && this.overflow.length === 0) {
      this.endSent = true;
      this.send();
      this.worker.postMessage({ type: 'end' });
    }
  }

  private send(): void {
    if (this.slot === undefined || this.slotUsed === 0) return;
    this.worker.postMessage({ type: 'data', slot: this.slot, length: this.slotUsed });
    this.slot = undefined;
    this.slotUsed = 0;
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
