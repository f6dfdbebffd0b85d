import { open, rm, type FileHandle } from 'node:fs/promises';
import { PieceStore, type ChunkStoreConstructor, type ChunkStoreOptions } from './piece-store.js';

/**
 * Pieces in one local file at `opts.file`, read and written in place: an agent's
 * download (resumable: pieces already there are checked on restart) and what it
 * seeds afterwards. No memory cache: the page cache does that.
 */
export class FilePieceStore extends PieceStore {
  private handle: Promise<FileHandle> | undefined;
  private readonly file: string;
  private readonly length: number;

  constructor(chunkLength: number, opts: ChunkStoreOptions) {
    super(chunkLength);
    if (typeof opts.file !== 'string') throw new Error('FilePieceStore needs storeOpts.file');
    this.file = opts.file;
    this.length = Number(opts.length);
  }

  private fh(): Promise<FileHandle> {
    this.handle ??= open(this.file, 'a+').then(async (h) => {
      await h.close();
      return open(this.file, 'r+');
    });
    return this.handle;
  }

  protected pieceLength(index: number): number {
    return Math.min(this.chunkLength, this.length - index * this.chunkLength);
  }

  protected async readPiece(index: number, offset: number, length: number): Promise<Uint8Array> {
    const fh = await this.fh();
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await fh.read(buf, 0, length, index * this.chunkLength + offset);
    if (bytesRead < length) throw new Error(`piece ${index} is not on disk`);
    return buf;
  }

  protected async writePiece(index: number, buf: Uint8Array): Promise<void> {
    const fh = await this.fh();
    let done = 0;
    while (done < buf.length) done += (await fh.write(buf, done, buf.length - done, index * this.chunkLength + done)).bytesWritten;
  }

  protected async closeStore(destroy: boolean): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close().catch(() => undefined);
    if (destroy) await rm(this.file, { force: true });
  }
}

/** FilePieceStore as a constructor for webtorrent. */
export const FilePieceStoreCtor: ChunkStoreConstructor = FilePieceStore;
