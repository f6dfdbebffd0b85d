import { posix } from 'node:path';
import { ConflictError, ForbiddenError, InvalidInputError, TooLargeError } from '../../core/errors.js';
import type { ImportContext, ImportMethod } from '../ingest/ingest-routes.js';
import type { IngestSource } from '../ingest/ingest-runner.js';
import { checkImportUrl } from '../ingest/web-download.js';
import { formatsFor } from './image-formats.js';
import type { ImportSwarm } from './import-swarm.js';
import { composeMagnet, originMagnet, parseMagnet, type MagnetLink } from './magnet-link.js';
import { checkDiskRoom, streamSelection } from './swarm-stream.js';
import { fetchTorrentFile, torrentFromBase64, type TorrentFile } from './torrent-file.js';
import { pickFile, torrentLayout, type LayoutFile } from './torrent-layout.js';

/** Where the torrent comes from: a magnet, a .torrent in the request, or a .torrent at a URL. */
type TorrentInput = { kind: 'magnet'; link: MagnetLink } | { kind: 'torrent'; file: TorrentFile } | { kind: 'torrent_url'; url: URL };

/** Limits an import runs under. */
export interface SwarmImportLimits {
  maxBytes: number;
  stallMs: number;
}

/** Check the parameters before the import is accepted: exactly one source, well formed, a way to find peers. */
function torrentInput(params: Record<string, unknown>, swarm: ImportSwarm, limits: SwarmImportLimits): TorrentInput {
  const given = ['uri', 'torrent', 'torrent_url'].filter((k) => params[k] !== undefined);
  if (given.length !== 1) throw new InvalidInputError('The magnet method takes exactly one of "uri" (a magnet link), "torrent" (a .torrent in base64) or "torrent_url"');
  if (params.uri !== undefined) {
    const link = parseMagnet(params.uri);
    const { dht, exact_sources } = swarm.config;
    if (link.trackers.length === 0 && link.peers.length === 0 && !dht && !(exact_sources && link.exactSources.length > 0)) {
      throw new InvalidInputError('The magnet names no tracker (tr=), peer (x.pe=) or exact source (xs=), and DHT is off on this Teller: its metadata cannot be found');
    }
    return { kind: 'magnet', link };
  }
  if (params.torrent !== undefined) {
    const file = torrentFromBase64(params.torrent);
    if (file.length > limits.maxBytes) throw new TooLargeError(`The torrent holds ${file.length} bytes; the limit is ${limits.maxBytes}`);
    return { kind: 'torrent', file };
  }
  return { kind: 'torrent_url', url: checkImportUrl(params.torrent_url) };
}

/** What goes into the image: one file as it is, or every file as a tar when there are several and none was picked. */
function choose(info: Record<string, unknown>, wanted: string | undefined, context: ImportContext): { files: LayoutFile[]; as: 'file' | 'tar'; name: string } {
  const layout = torrentLayout(info);
  if (wanted !== undefined) {
    const file = pickFile(layout, wanted);
    return { files: [file], as: 'file', name: posix.basename(file.path) };
  }
  if (!layout.multiFile) return { files: layout.files, as: 'file', name: layout.name };
  const current = context.image.container_format;
  if (current !== null && current !== 'tar') {
    throw new ConflictError(`The torrent holds ${layout.files.length} files, which are stored as a tar, but the image's container_format is ${current}: pick one file (file=PATH) or use container_format tar`);
  }
  return { files: layout.files, as: 'tar', name: layout.name };
}

async function openSwarmImport(swarm: ImportSwarm, input: TorrentInput, wanted: string | undefined, context: ImportContext, limits: SwarmImportLimits, signal: AbortSignal): Promise<IngestSource> {
  const { config } = swarm;
  let torrentId: string | Buffer;
  let infohash: string;
  let displayName: string | undefined;
  if (input.kind === 'magnet') {
    torrentId = composeMagnet(input.link, { webSeeds: config.web_seeds, exactSources: config.exact_sources });
    infohash = input.link.infohash;
    displayName = input.link.name;
  } else {
    const file = input.kind === 'torrent' ? input.file : await fetchTorrentFile(input.url, config.max_torrent_bytes, signal);
    if (file.length > limits.maxBytes) throw new TooLargeError(`The torrent holds ${file.length} bytes; the limit is ${limits.maxBytes}`);
    torrentId = file.bytes;
    infohash = file.infohash;
  }
  const joined = await swarm.join(torrentId, infohash);
  try {
    await joined.ready(config.metadata_timeout_ms, signal);
    const picked = choose(joined.torrent.info ?? {}, wanted, context);
    const bytes = picked.files.reduce((sum, f) => sum + f.length, 0);
    if (bytes > limits.maxBytes) throw new TooLargeError(`The import would be ${bytes} bytes; the limit is ${limits.maxBytes}`);
    await checkDiskRoom(swarm.tempDir, bytes);
    const stream = streamSelection(joined, { files: picked.files, as: picked.as, stallMs: limits.stallMs, signal });
    return {
      stream,
      ...(picked.as === 'file' ? { size: bytes } : {}),
      total: bytes,
      sourceInfohash: infohash,
      originUri: originMagnet(infohash, displayName ?? joined.torrent.name),
      attributes: { name: picked.name, ...formatsFor(picked.name, picked.as === 'tar') },
      peers: () => joined.peers(),
    };
  } catch (err) {
    await joined.close();
    throw err;
  }
}

/**
 * The `magnet` import method: a public swarm's image into the store. Admins only
 * (any URL's swarm is joined from Teller's network). Parameters: `uri` (magnet),
 * `torrent` (a .torrent, base64) or `torrent_url`; optional `file` picks one file of
 * a multi-file torrent, which is otherwise stored as a tar.
 */
export function magnetMethod(swarm: ImportSwarm, limits: SwarmImportLimits): ImportMethod {
  return (params, context) => {
    if (!context.admin) throw new ForbiddenError('Only admins may import images from magnets and torrents');
    const input = torrentInput(params, swarm, limits);
    const wanted = params.file;
    if (wanted !== undefined && (typeof wanted !== 'string' || wanted.length === 0)) throw new InvalidInputError('"file" must be a path inside the torrent');
    return (signal) => openSwarmImport(swarm, input, wanted, context, limits, signal);
  };
}
