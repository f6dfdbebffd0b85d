import { BadGatewayError, ConflictError, GlanceError } from '../../core/errors.js';
import { JsonClient, dispatcherFor } from '../../core/http-client.js';
import { copiedProperties } from '../../core/image-copy.js';
import { parseImageUri } from '../../core/image-uri.js';
import type { Logger } from '../../core/logger.js';
import type { RegistryDirectory } from '../../core/registry-directory.js';
import type { ImportSwarm } from '../import-swarm/import-swarm.js';
import { openSwarmCopy } from '../import-swarm/swarm-copy.js';
import type { IngestSource } from './ingest-runner.js';
import { openHttpSource } from './web-download.js';

/** Pull the bytes over the source's swarm when it has one (HTTP otherwise, and as its fallback). */
export interface SwarmOption {
  swarm: ImportSwarm;
  stallMs: number;
  log: Logger;
}

/**
 * Copy an image from another registry (glance-download): read its metadata with the
 * token configured for that registry (anonymous when none), then its bytes over the
 * source's swarm (its Teller as web seed) or, when that cannot be joined, plainly from
 * the Teller that serves it. The copy keeps custom properties and must hash to the
 * source's os_hash_value. `anonymous`: without the configured token (a tenant may copy
 * only what anyone may read there).
 */
export async function openGlanceDownload(uri: string, registries: RegistryDirectory, signal: AbortSignal, over?: SwarmOption, anonymous = false): Promise<IngestSource> {
  const { registryUrl, imageId } = parseImageUri(uri);
  const configured = registries.forUrl(registryUrl);
  // a tenant's copy reads as nobody: the configured token is the operator's, not the tenant's
  const entry = anonymous ? { ...configured, token: undefined } : configured;
  const client = registries.client(entry);
  const source = await client.get(imageId);
  if (source.status !== 'active') throw new ConflictError(`The source image is ${source.status}, not active`);
  const copied = {
    properties: copiedProperties(source),
    ...(source.os_hash_value ? { expectedSha256: source.os_hash_value } : {}),
    originUri: source.uri ?? uri,
    attributes: { name: source.name, disk_format: source.disk_format, container_format: source.container_format },
  };
  const headers: Record<string, string> = entry.token ? { 'x-auth-token': entry.token } : {};
  if (over && source.p2p_infohash && source.size !== null) {
    const seeder = async () => (await client.json<{ seeder: string | null }>('GET', '/p2p/v1/endpoints')).seeder?.replace(/\/+$/, '') ?? registryUrl;
    const viaSwarm = await openSwarmCopy({
      swarm: over.swarm,
      client,
      image: { ...source, size: source.size },
      webSeedUrl: async () => {
        const teller = new JsonClient(await seeder(), entry.token, dispatcherFor(entry.tls));
        return (await teller.json<{ url: string }>('POST', `/p2p/v1/images/${imageId}/signed-url`, { body: {} })).url;
      },
      stallMs: over.stallMs,
      signal,
      log: over.log,
    });
    if (viaSwarm) return { ...viaSwarm, ...copied };
  }
  const dispatcher = dispatcherFor(entry.tls);
  let opened: IngestSource;
  try {
    opened = await openHttpSource(new URL(`${registryUrl}/v2/images/${imageId}/file`), signal, headers, dispatcher);
  } catch (err) {
    if (!(err instanceof GlanceError && err.details?.status === 404)) throw err;
    // a bare registry: ask it where its Teller is
    const endpoints = await client.json<{ seeder: string | null }>('GET', '/p2p/v1/endpoints');
    if (!endpoints.seeder) throw new BadGatewayError(`Registry ${registryUrl} names no seeder to download image ${imageId} from`);
    opened = await openHttpSource(new URL(`${endpoints.seeder.replace(/\/+$/, '')}/v2/images/${imageId}/file`), signal, headers, dispatcher);
  }
  return { ...opened, ...copied, via: 'http' };
}
