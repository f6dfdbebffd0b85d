import { ConflictError, ForbiddenError, GlanceError } from '../core/errors.js';
import { parseImageUri } from '../core/image-uri.js';
import type { RegistryDirectory, RegistryEntry } from '../core/registry-directory.js';
import type { ImageView, RegistryClient } from '../core/registry-client.js';

/** An image the agent is about to fetch, and where its parts are. */
export interface ResolvedImage {
  uri: string;
  entry: RegistryEntry;
  client: RegistryClient;
  image: ImageView;
  sha256: string;
  size: number;
  /** Base URL of the Teller that serves the bytes (the front door, or the one the registry names). */
  seederUrl: string;
}

const seederUrls = new Map<string, Promise<string>>();

/** The Teller of a registry: the one /p2p/v1/endpoints names, else the registry URL itself (a front door). */
function seederOf(client: RegistryClient): Promise<string> {
  let url = seederUrls.get(client.baseUrl);
  if (!url) {
    url = client
      .json<{ seeder: string | null }>('GET', '/p2p/v1/endpoints')
      .then((e) => (e.seeder ?? client.baseUrl).replace(/\/+$/, ''))
      .catch(() => client.baseUrl);
    seederUrls.set(client.baseUrl, url);
  }
  return url;
}

/**
 * Resolve an image URI on its registry: whichever configured registry it names
 * (with that registry's token, or the one given), anonymously otherwise. Only active
 * images with a SHA-256 can be fetched.
 */
export async function resolveImage(uri: string, registries: RegistryDirectory, token?: string): Promise<ResolvedImage> {
  const { registryUrl, imageId } = parseImageUri(uri);
  const entry = registries.forUrl(registryUrl);
  const client = registries.client({ ...entry, url: registryUrl }, token);
  const image = await client.get(imageId);
  if (image.status === 'deactivated') throw new ForbiddenError(`Image ${imageId} is deactivated`);
  if (image.status !== 'active') throw new ConflictError(`Image ${imageId} is ${image.status}, not active: nothing to fetch yet`);
  if (image.os_hash_algo !== 'sha256' || !image.os_hash_value || image.size === null) throw new GlanceError('invalid', `Image ${imageId} has no SHA-256 to verify against`);
  return { uri, entry, client, image, sha256: image.os_hash_value, size: image.size, seederUrl: await seederOf(client) };
}
