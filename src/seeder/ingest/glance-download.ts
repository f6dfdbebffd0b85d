import { BadGatewayError, ConflictError, GlanceError } from '../../core/errors.js';
import { parseImageUri } from '../../core/image-uri.js';
import type { RegistryDirectory } from '../../core/registry-directory.js';
import type { IngestSource } from './ingest-runner.js';
import { openHttpSource } from './web-download.js';

/** Attributes that describe one installation's record, not the image: never copied. */
const NOT_COPIED = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'owner', 'disk_format', 'container_format', 'size', 'virtual_size', 'checksum',
  'os_hash_algo', 'os_hash_value', 'min_disk', 'min_ram', 'tags', 'created_at', 'updated_at', 'self', 'file', 'schema', 'uri', 'locations', 'direct_url',
]);

/**
 * Copy an image from another registry (glance-download): read its metadata with the
 * token configured for that registry (anonymous when none), then its bytes from the
 * Teller that serves it. The copy keeps custom properties and must hash to the
 * source's os_hash_value.
 */
export async function openGlanceDownload(uri: string, registries: RegistryDirectory, signal: AbortSignal): Promise<IngestSource> {
  const { registryUrl, imageId } = parseImageUri(uri);
  const entry = registries.forUrl(registryUrl);
  const client = registries.client(entry);
  const source = await client.get(imageId);
  if (source.status !== 'active') throw new ConflictError(`The source image is ${source.status}, not active`);
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (!NOT_COPIED.has(k) && !k.startsWith('p2p_') && typeof v === 'string') properties[k] = v;
  const headers: Record<string, string> = entry.token ? { 'x-auth-token': entry.token } : {};
  let opened: IngestSource;
  try {
    opened = await openHttpSource(new URL(`${registryUrl}/v2/images/${imageId}/file`), signal, headers);
  } catch (err) {
    if (!(err instanceof GlanceError && err.details?.status === 404)) throw err;
    // a bare registry: ask it where its Teller is
    const endpoints = await client.json<{ seeder: string | null }>('GET', '/p2p/v1/endpoints');
    if (!endpoints.seeder) throw new BadGatewayError(`Registry ${registryUrl} names no seeder to download image ${imageId} from`);
    opened = await openHttpSource(new URL(`${endpoints.seeder.replace(/\/+$/, '')}/v2/images/${imageId}/file`), signal, headers);
  }
  return {
    ...opened,
    properties,
    ...(source.os_hash_value ? { expectedSha256: source.os_hash_value } : {}),
    originUri: source.uri ?? uri,
    attributes: { name: source.name, disk_format: source.disk_format, container_format: source.container_format },
  };
}
