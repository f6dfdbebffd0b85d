/**
 * webtorrent's piece storage (abstract-chunk-store): the one thing that differs
 * between Teller seeding from object stores and an agent keeping a local file.
 * The swarm code never knows which one it has.
 */

/** The callback API webtorrent calls. */
export interface ChunkStore {
  readonly chunkLength: number;
  put(index: number, buf: Uint8Array, cb?: (err: Error | null) => void): void;
  get(index: number, opts: { offset?: number; length?: number } | null | undefined, cb: (err: Error | null, buf?: Uint8Array) => void): void;
  close(cb?: (err: Error | null) => void): void;
  destroy(cb?: (err: Error | null) => void): void;
}

/** What webtorrent hands a store's constructor. */
export interface ChunkStoreOptions {
  length?: number;
  [key: string]: unknown;
}

/** A constructor webtorrent can call: `new Store(chunkLength, opts)`. */
export type ChunkStoreConstructor = new (chunkLength: number, opts: ChunkStoreOptions) => ChunkStore;

/**
 * Promise-based base class: implement readPiece/writePiece/closeStore, get the
 * callback API webtorrent wants. `get` of a sub-range reads just that range.
 */
export abstract class PieceStore implements ChunkStore {
  /** Set once close or destroy is called: later gets and puts fail instead of reopening what was closed. */
  private closed = false;

  constructor(readonly chunkLength: number) {}

  /** Bytes [offset, offset+length) of piece `index`. */
  protected abstract readPiece(index: number, offset: number, length: number): Promise<Uint8Array>;
  /** Store a verified piece. */
  protected abstract writePiece(index: number, buf: Uint8Array): Promise<void>;
  protected abstract closeStore(destroy: boolean): Promise<void>;
  /** Length of piece `index` (the last one may be short). */
  protected abstract pieceLength(index: number): number;

  put(index: number, buf: Uint8Array, cb: (err: Error | null) => void = () => undefined): void {
    if (this.closed) return queueMicrotask(() => cb(new Error('piece store is closed')));
    this.writePiece(index, buf).then(() => cb(null), cb);
  }

  get(index: number, opts: { offset?: number; length?: number } | null | undefined | ((err: Error | null, buf?: Uint8Array) => void), cb?: (err: Error | null, buf?: Uint8Array) => void): void {
    // abstract-chunk-store allows get(index, cb)
    if (typeof opts === 'function') return this.get(index, null, opts);
    const done = cb ?? (() => undefined);
    if (this.closed) return queueMicrotask(() => done(new Error('piece store is closed')));
    const offset = opts?.offset ?? 0;
    const pieceLength = Number.isInteger(index) && index >= 0 ? this.pieceLength(index) : 0;
    const length = opts?.length ?? pieceLength - offset;
    // what a peer asks for reaches this unchecked: only ranges inside one piece of this torrent
    if (pieceLength <= 0 || offset < 0 || length <= 0 || offset + length > pieceLength) {
      return queueMicrotask(() => done(new RangeError(`no such range: piece ${index}, offset ${offset}, length ${length}`)));
    }
    this.readPiece(index, offset, length).then((buf) => done(null, buf), done);
  }

  close(cb: (err: Error | null) => void = () => undefined): void {
    this.closed = true;
    this.closeStore(false).then(() => cb(null), cb);
  }

  destroy(cb: (err: Error | null) => void = () => undefined): void {
    this.closed = true;
    this.closeStore(true).then(() => cb(null), cb);
  }
}
