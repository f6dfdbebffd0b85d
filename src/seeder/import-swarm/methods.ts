import type { SeederConfig } from '../config.js';
import type { ImportMethod } from '../ingest/ingest-routes.js';
import type { ImportSwarm } from './import-swarm.js';
import { magnetMethod } from './magnet-import.js';

/** The import methods the import swarm adds: `magnet` (a magnet, or a .torrent inline or by URL) and its alias `torrent`. */
export function swarmImportMethods(swarm: ImportSwarm, ingest: SeederConfig['ingest']): Record<string, ImportMethod> {
  const magnet = magnetMethod(swarm, { maxBytes: ingest.max_image_bytes, stallMs: ingest.stall_timeout_ms });
  return { magnet, torrent: magnet };
}
