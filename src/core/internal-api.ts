import type { ImageLocation } from './image.js';

/**
 * The shapes of the registry's internal (service-role) API, shared by the registry
 * that answers and by Teller and the tracker that call it.
 */

/** One swarm the tracker may serve: an active image and who may join it (`GET /internal/v1/swarms`). */
export interface SwarmEntry {
  image_id: string;
  infohash: string;
  visibility: string;
  owner: string | null;
  /** Accepted members, for shared images. */
  members: string[];
  size: number | null;
  os_hash_value: string | null;
  updated_at: string;
}

/** What Teller records after it stored an image (`PUT /internal/v1/images/{id}/data`). */
export interface IngestRecord {
  size: number;
  checksum?: string | null;
  os_hash_algo: string;
  os_hash_value: string;
  virtual_size?: number | null;
  locations: ImageLocation[];
  /** The private .torrent, base64. */
  torrent: string;
  p2p_infohash: string;
  p2p_piece_length: number;
  p2p_source_infohash?: string | null;
  p2p_origin_uri?: string | null;
  properties?: Record<string, string>;
  /** Set only where the image has none yet (a copy takes its source's). */
  attributes?: { name?: string | null; disk_format?: string | null; container_format?: string | null };
}
