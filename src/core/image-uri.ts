import { InvalidInputError } from './errors.js';
import { isUuid } from './image.js';

/** A global image URI split into the registry it names and the image id. */
export interface ImageUri {
  /** Base URL of the registry, without a trailing slash, e.g. https://parallax.example.org */
  registryUrl: string;
  imageId: string;
}

/** The global URI of an image on a registry: `{registry public URL}/v2/images/{id}`. */
export function imageUri(registryUrl: string, imageId: string): string {
  return `${registryUrl.replace(/\/+$/, '')}/v2/images/${imageId}`;
}

/** Parse `{registry}/v2/images/{uuid}` (a trailing /file is accepted and dropped). */
export function parseImageUri(uri: string): ImageUri {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidInputError(`Not an image URI: ${JSON.stringify(uri)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidInputError(`Image URI must be http(s): ${uri}`);
  const match = /^(.*)\/v2\/images\/([^/]+)(?:\/file)?\/?$/.exec(url.pathname);
  if (!match || !isUuid(match[2]!)) throw new InvalidInputError(`Not an image URI (expected …/v2/images/<uuid>): ${uri}`);
  return { registryUrl: `${url.origin}${match[1]}`, imageId: match[2]!.toLowerCase() };
}
