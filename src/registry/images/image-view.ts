import type { ImageRecord } from '../../core/image.js';
import { apiTime } from './time.js';

/** What shaping an image for one caller needs. */
export interface ViewContext {
  /** Base of image URIs: the registry's public URL, without a trailing slash. */
  publicUrl: string;
  /** Admins and the service role see locations. */
  showLocations: boolean;
  /** Announce URLs for an image, with the caller's passkey. */
  announce(imageId: string): string[];
}

/** A magnet link for an image's private torrent. */
export function magnetLink(infohash: string, name: string | null, size: number | null, trackers: string[]): string {
  const parts = [`xt=urn:btih:${infohash}`];
  if (name) parts.push(`dn=${encodeURIComponent(name)}`);
  if (size !== null) parts.push(`xl=${size}`);
  for (const tr of trackers) parts.push(`tr=${encodeURIComponent(tr)}`);
  return `magnet:?${parts.join('&')}`;
}

/**
 * The API form of an image: Glance's fields, custom properties at the top level,
 * and the p2p_ fields. Built as one literal so every view has the same shape
 * (lists of 1,000 images stay cheap to build and serialise).
 */
export function imageView(image: ImageRecord, ctx: ViewContext): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: image.id,
    name: image.name,
    status: image.status,
    visibility: image.visibility,
    protected: image.protected,
    os_hidden: image.os_hidden,
    owner: image.owner,
    disk_format: image.disk_format,
    container_format: image.container_format,
    size: image.size,
    virtual_size: image.virtual_size,
    checksum: image.checksum,
    os_hash_algo: image.os_hash_algo,
    os_hash_value: image.os_hash_value,
    min_disk: image.min_disk,
    min_ram: image.min_ram,
    tags: image.tags,
    created_at: apiTime(image.created_at),
    updated_at: apiTime(image.updated_at),
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
    uri: `${ctx.publicUrl}/v2/images/${image.id}`,
    p2p_infohash: image.p2p_infohash,
    p2p_magnet: image.p2p_infohash ? magnetLink(image.p2p_infohash, image.name, image.size, ctx.announce(image.id)) : null,
    p2p_piece_length: image.p2p_piece_length,
    p2p_source_infohash: image.p2p_source_infohash,
    p2p_origin_uri: image.p2p_origin_uri,
    p2p_progress: image.p2p_progress,
    p2p_status_reason: image.p2p_status_reason,
    locations: ctx.showLocations ? image.locations : undefined,
  };
  // Custom property names never collide with base attributes: create and patch refuse that.
  for (const name in image.properties) view[name] = image.properties[name];
  return view;
}
