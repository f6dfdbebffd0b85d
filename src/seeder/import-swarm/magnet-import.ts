import { posix } from 'node:path';
import { validateConfig } from '../../core/config.js';
import { ConflictError, ForbiddenError, TooLargeError } from '../../core/errors.js';
import { checkDiskRoom } from '../../core/disk-room.js';
import type { ImportContext, ImportMethod } from '../ingest/ingest-routes.js';
import type { IngestSource, OpenHooks } from '../ingest/ingest-runner.js';
import { formatsFor } from './image-formats.js';
import type { ImportSwarm } from './import-swarm.js';
import { MagnetParamsSchema, torrentInput, type TorrentInput } from './magnet-params.js';
import { composeMagnet, originMagnet } from './magnet-link.js';
import { streamSelection } from './swarm-stream.js';
import { fetchTorrentFile } from './torrent-file.js';
import { pickFile, torrentLayout, type LayoutFile } from './torrent-layout.js';

/** Limits an import runs under. */
export interface SwarmImportLimits {
  maxBytes: number;
  stallMs: number;
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

async function openSwarmImport(swarm: ImportSwarm, input: TorrentInput, wanted: string | undefined, context: ImportContext, limits: SwarmImportLimits, signal: AbortSignal, hooks: OpenHooks): Promise<IngestSource> {
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
  hooks.peers(() => joined.peers());
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
    const checked = validateConfig(MagnetParamsSchema, params, 'magnet import parameters');
    const input = torrentInput(checked, swarm.config, limits.maxBytes);
    return (signal, hooks) => openSwarmImport(swarm, input, checked.file, context, limits, signal, hooks);
  };
}
