import type { Torrent } from 'webtorrent';
import type { ChunkStore } from '../../swarm/piece-store.js';

/** One file of a torrent as webtorrent lays it out: its bytes sit at `offset` in the torrent's byte space. */
export interface TorrentFileView {
  path: string;
  name: string;
  length: number;
  offset: number;
  select(priority?: number): void;
}

/**
 * The parts of a webtorrent Torrent the import needs beyond what src/types declares:
 * files, the raw info dict (for safe names), piece selection and the verified store.
 */
export interface ImportTorrent extends Torrent {
  files: TorrentFileView[];
  info?: Record<string, unknown>;
  lastPieceLength: number;
  store: ChunkStore | null;
  select(start: number, end: number, priority?: number): void;
  deselect(start: number, end: number): void;
  critical(start: number, end: number): void;
}

/** The Wire parts the import watches: ut_metadata's warnings say a peer sent metadata of another torrent. */
export interface ImportWire {
  type: string;
  peerId: string;
  remoteAddress: string;
  remotePort: number;
  ut_metadata?: { on(event: 'warning', cb: (err: Error) => void): void };
  destroy(): void;
}
