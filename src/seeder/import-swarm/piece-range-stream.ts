import { Readable } from 'node:stream';
import { BadGatewayError } from '../../core/errors.js';
import type { ImportTorrent } from './import-torrent.js';

/** How many pieces ahead of the reader webtorrent is told are urgent. */
const CRITICAL_AHEAD = 2;

/** Resolve when piece `index` has passed its hash check; reject when the torrent fails or the reader goes. */
function verified(torrent: ImportTorrent, index: number, signal: AbortSignal): Promise<void> {
  if (torrent.bitfield.get(index)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      torrent.off('verified', onVerified);
      torrent.off('error', onError);
      torrent.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onVerified = (i: number) => i === index && done();
    const onError = (err: Error) => done(new BadGatewayError(`The swarm download failed: ${err.message}`));
    const onClose = () => done(new BadGatewayError('The swarm download was stopped'));
    const onAbort = () => done(signal.reason as Error);
    torrent.on('verified', onVerified);
    torrent.once('error', onError);
    torrent.once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    torrent.critical(index, Math.min(index + CRITICAL_AHEAD, torrent.pieces.length - 1));
  });
}

function readPiece(torrent: ImportTorrent, index: number, offset: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (!torrent.store) return reject(new BadGatewayError('The swarm download was stopped'));
    torrent.store.get(index, { offset, length }, (err, buf) => (err || !buf ? reject(err ?? new Error(`piece ${index} unreadable`)) : resolve(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength))));
  });
}

async function* pieces(torrent: ImportTorrent, start: number, length: number, signal: AbortSignal): AsyncGenerator<Buffer> {
  const pieceLength = torrent.pieceLength;
  for (let at = start, end = start + length; at < end; ) {
    const index = Math.floor(at / pieceLength);
    const offset = at - index * pieceLength;
    const take = Math.min(pieceLength - offset, end - at);
    await verified(torrent, index, signal);
    yield await readPiece(torrent, index, offset, take);
    at += take;
  }
}

/**
 * Bytes [start, start + length) of a torrent's byte space, in order, each read only
 * after its piece passed the SHA-1 check (webtorrent's own file streams end silently
 * on a store error; this one fails). The pieces it waits for are marked critical.
 */
export function pieceRangeStream(torrent: ImportTorrent, start: number, length: number): Readable {
  const stop = new AbortController();
  const stream = Readable.from(pieces(torrent, start, length, stop.signal), { objectMode: false, highWaterMark: 1 });
  stream.once('close', () => stop.abort(new BadGatewayError('The reader went away')));
  return stream;
}
