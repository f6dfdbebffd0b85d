import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { CorruptDataError } from '../errors.js';
import { pieceHash, type ImageLayout } from './image-layout.js';

/** Bytes of each piece kept back until the piece's hash checks out. */
export const HOLDBACK_BYTES = 64 * 1024;

/**
 * Checks a stream of whole pieces against the torrent's SHA-1s and lets through only
 * [emitStart, emitEnd) of it. The last HOLDBACK_BYTES of every piece, and of the
 * response, wait until their piece verified, so neither a corrupt piece nor a range
 * inside one ever reaches the client whole: the stream errors first and the
 * response is cut. When the stream is the whole image it also
 * checks the SHA-256 before the final bytes go out.
 */
export class PieceVerifier extends Transform {
  private pos = 0;
  private piece: number;
  private sha1: Hash = createHash('sha1');
  private readonly sha256: Hash | undefined;
  private held: Buffer[] = [];

  constructor(
    private readonly layout: ImageLayout,
    /** Absolute offset of the first byte that arrives; a piece boundary. */
    private readonly alignedStart: number,
    private readonly emitStart: number,
    private readonly emitEnd: number,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    this.piece = alignedStart / layout.pieceLength;
    if (!Number.isInteger(this.piece)) throw new Error('PieceVerifier needs a piece-aligned start');
    if (alignedStart === 0 && emitEnd === layout.size) this.sha256 = createHash('sha256');
  }

  private pieceEnd(): number {
    return Math.min((this.piece + 1) * this.layout.pieceLength, this.layout.size);
  }

  /** Emit the part of [from, to) (absolute) that lies in the emit range. */
  private pass(data: Buffer, from: number, to: number, hold: boolean): void {
    const a = Math.max(from, this.emitStart);
    const b = Math.min(to, this.emitEnd);
    if (a >= b) return;
    const part = data.subarray(a - from, b - from);
    if (hold) this.held.push(part);
    else this.push(part);
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let offset = 0;
    while (offset < data.length) {
      const abs = this.alignedStart + this.pos;
      const pieceEnd = this.pieceEnd();
      const take = Math.min(data.length - offset, pieceEnd - abs);
      if (take <= 0) return done(new CorruptDataError(`More bytes than image ${this.layout.imageId} has`, { offset: abs }));
      const segment = data.subarray(offset, offset + take);
      this.sha1.update(segment);
      this.sha256?.update(segment);
      // The tail of each piece, and the tail of the response, wait for the piece's hash.
      const releaseBefore = Math.min(pieceEnd, this.emitEnd) - HOLDBACK_BYTES;
      if (abs + take <= releaseBefore) this.pass(segment, abs, abs + take, false);
      else if (abs >= releaseBefore) this.pass(segment, abs, abs + take, true);
      else {
        this.pass(segment.subarray(0, releaseBefore - abs), abs, releaseBefore, false);
        this.pass(segment.subarray(releaseBefore - abs), releaseBefore, abs + take, true);
      }
      this.pos += take;
      offset += take;
      if (this.alignedStart + this.pos === pieceEnd) {
        const failure = this.finishPiece();
        if (failure) return done(failure);
      }
    }
    done();
  }

  private finishPiece(): Error | undefined {
    const actual = this.sha1.digest();
    if (!actual.equals(pieceHash(this.layout, this.piece))) {
      return new CorruptDataError(`Piece ${this.piece} of image ${this.layout.imageId} does not match its hash`, { piece: this.piece });
    }
    if (this.sha256 && this.pieceEnd() === this.layout.size && this.sha256.digest('hex') !== this.layout.sha256) {
      return new CorruptDataError(`Image ${this.layout.imageId} does not match its SHA-256`, { sha256: this.layout.sha256 });
    }
    for (const part of this.held) this.push(part);
    this.held = [];
    this.piece++;
    this.sha1 = createHash('sha1');
    return undefined;
  }

  override _flush(done: TransformCallback): void {
    if (this.alignedStart + this.pos < Math.min(this.emitEnd, this.layout.size) || this.held.length > 0) {
      return done(new CorruptDataError(`Image ${this.layout.imageId} ended early at byte ${this.alignedStart + this.pos}`, { offset: this.alignedStart + this.pos }));
    }
    done();
  }
}

/** The piece-aligned range that covers [start, end). */
export function alignToPieces(layout: Pick<ImageLayout, 'pieceLength' | 'size'>, start: number, end: number): { start: number; end: number } {
  const pl = layout.pieceLength;
  return { start: Math.floor(start / pl) * pl, end: Math.min(layout.size, Math.ceil(end / pl) * pl) };
}
