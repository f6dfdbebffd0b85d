import { Type, type Static } from '@sinclair/typebox';
import { InvalidInputError, TooLargeError } from '../../core/errors.js';
import { checkImportUrl } from '../ingest/web-download.js';
import type { ImportSwarmConfig } from './config.js';
import { parseMagnet, type MagnetLink } from './magnet-link.js';
import { torrentFromBase64, type TorrentFile } from './torrent-file.js';

/** The `method` object of a magnet import: one source (`uri`, `torrent` or `torrent_url`) and optionally one `file`. */
export const MagnetParamsSchema = Type.Object(
  {
    name: Type.String(),
    /** A magnet link. */
    uri: Type.Optional(Type.String({ maxLength: 16 * 1024 })),
    /** A .torrent file, base64. */
    torrent: Type.Optional(Type.String({ maxLength: 16 * 1024 * 1024 })),
    /** An http(s) URL of a .torrent file. */
    torrent_url: Type.Optional(Type.String({ maxLength: 4096 })),
    /** One file of a multi-file torrent, by its path (with or without the torrent's name). */
    file: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  },
  { additionalProperties: false },
);

/** Checked magnet import parameters. */
export type MagnetParams = Static<typeof MagnetParamsSchema>;

/** Where the torrent comes from: a magnet, a .torrent in the request, or a .torrent at a URL. */
export type TorrentInput = { kind: 'magnet'; link: MagnetLink } | { kind: 'torrent'; file: TorrentFile } | { kind: 'torrent_url'; url: URL };

/** Check the source before the import is accepted (400/413 up front): exactly one, well formed, with a way to find peers. */
export function torrentInput(params: MagnetParams, config: ImportSwarmConfig, maxBytes: number): TorrentInput {
  const given = (['uri', 'torrent', 'torrent_url'] as const).filter((k) => params[k] !== undefined);
  if (given.length !== 1) throw new InvalidInputError('The magnet method takes exactly one of "uri" (a magnet link), "torrent" (a .torrent in base64) or "torrent_url"');
  if (params.uri !== undefined) {
    const link = parseMagnet(params.uri);
    if (link.trackers.length === 0 && link.peers.length === 0 && !config.dht && !(config.exact_sources && link.exactSources.length > 0)) {
      throw new InvalidInputError('The magnet names no tracker (tr=), peer (x.pe=) or exact source (xs=), and DHT is off on this Teller: its metadata cannot be found');
    }
    return { kind: 'magnet', link };
  }
  if (params.torrent !== undefined) {
    const file = torrentFromBase64(params.torrent);
    if (file.length > maxBytes) throw new TooLargeError(`The torrent holds ${file.length} bytes; the limit is ${maxBytes}`);
    return { kind: 'torrent', file };
  }
  return { kind: 'torrent_url', url: checkImportUrl(params.torrent_url) };
}
