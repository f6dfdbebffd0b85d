import { Transform, pipeline, type Readable } from 'node:stream';
import { UnavailableError } from '../../core/errors.js';
import type { JoinedTorrent } from './joined-torrent.js';
import { tarOfFiles } from './tar-of-files.js';
import type { LayoutFile } from './torrent-layout.js';

/** What to take out of a torrent whose metadata is there. */
export interface SwarmSelection {
  files: LayoutFile[];
  /** One file as it is, or several as a tar. */
  as: 'file' | 'tar';
  /** No bytes from the swarm and none taken by the store for this long: the import fails. */
  stallMs: number;
  signal: AbortSignal;
}

/**
 * Stream the selected files out of the swarm, in order, as their pieces verify: the
 * pieces they cover are selected (nothing else is downloaded). The stream fails when
 * neither the swarm nor the reader made progress for `stallMs`, or when `signal`
 * fires; however it ends, the torrent leaves the swarm and its temp file is deleted.
 */
export function streamSelection(joined: JoinedTorrent, selection: SwarmSelection): Readable {
  const { torrent } = joined;
  for (const f of selection.files) {
    if (f.length === 0) continue;
    torrent.select(Math.floor(f.offset / torrent.pieceLength), Math.floor((f.offset + f.length - 1) / torrent.pieceLength), 0);
  }
  joined.lastActivity = Date.now();
  const inner = selection.as === 'file' ? joined.range(selection.files[0]!.offset, selection.files[0]!.length) : tarOfFiles(selection.files, (f) => joined.range(f.offset, f.length));
  const tap = new Transform({
    transform(chunk, _enc, done) {
      joined.lastActivity = Date.now();
      done(null, chunk);
    },
  });
  const out = pipeline(inner, tap, () => undefined) as unknown as Readable;
  const timer = setInterval(() => {
    if (Date.now() - joined.lastActivity < selection.stallMs) return;
    const s = Math.round(selection.stallMs / 100) / 10;
    out.destroy(new UnavailableError(`The swarm of infohash ${joined.infohash} made no progress for ${s} s (${joined.peers()} peer(s) connected)`, { reason: 'stalled' }));
  }, Math.min(1000, selection.stallMs));
  timer.unref();
  const onAbort = () => out.destroy(selection.signal.reason as Error);
  selection.signal.addEventListener('abort', onAbort, { once: true });
  if (selection.signal.aborted) queueMicrotask(onAbort);
  out.once('close', () => {
    clearInterval(timer);
    selection.signal.removeEventListener('abort', onAbort);
    void joined.close();
  });
  return out;
}
