import type { ImageView } from './registry-client.js';

/** Attributes that describe one installation's record, not the image: never copied between registries. */
const NOT_COPIED = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'owner', 'disk_format', 'container_format', 'size', 'virtual_size', 'checksum',
  'os_hash_algo', 'os_hash_value', 'min_disk', 'min_ram', 'tags', 'created_at', 'updated_at', 'self', 'file', 'schema', 'uri', 'locations', 'direct_url',
  'stores',
]);

/** An image's custom properties (string values, no p2p_ fields): what a copy in another registry keeps. */
export function copiedProperties(image: ImageView): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(image)) if (!NOT_COPIED.has(k) && !k.startsWith('p2p_') && typeof v === 'string') properties[k] = v;
  return properties;
}
