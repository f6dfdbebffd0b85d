/** The image record and the value types around it, shared by registry, seeder and agent. */

export const IMAGE_STATUSES = ['queued', 'saving', 'uploading', 'importing', 'active', 'killed', 'deactivated', 'deleted', 'pending_delete'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

export const VISIBILITIES = ['public', 'community', 'shared', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** Glance's disk formats. */
export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] as const;

/** Glance's container formats, plus the archive formats the agent unpacks. */
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed', 'tar', 'tar.gz', 'zip'] as const;

export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** One object in a store holding a contiguous byte range of the image. */
export interface Chunk {
  /** Location URL of the object: file://…, http(s)://…, s3://bucket/key, swift://container/object. */
  url: string;
  /** Byte offset of this chunk in the whole image. */
  offset: number;
  size: number;
  /** The etag the store reported on upload; a HEAD that returns another one means the object changed. */
  etag: string;
  /** SHA-256 of the chunk's bytes, hex. */
  sha256: string;
}

/** Where an image's bytes live: one store, the chunks in order. */
export interface ImageLocation {
  store: string;
  chunks: Chunk[];
}

/** Progress of an ingest or import, shown on the image while it runs. */
export interface ImportProgress {
  method: string;
  bytes: number;
  total: number | null;
  rate: number;
  peers?: number;
  updated_at: string;
}

/** An image as the registry stores it (internal view; the API view is built from it). */
export interface ImageRecord {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: Visibility;
  owner: string | null;
  protected: boolean;
  os_hidden: boolean;
  disk_format: string | null;
  container_format: string | null;
  size: number | null;
  virtual_size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  min_disk: number;
  min_ram: number;
  created_at: string;
  updated_at: string;
  tags: string[];
  properties: Record<string, string>;
  locations: ImageLocation[];
  p2p_infohash: string | null;
  p2p_piece_length: number | null;
  p2p_source_infohash: string | null;
  p2p_origin_uri: string | null;
  p2p_progress: ImportProgress | null;
  p2p_status_reason: string | null;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its canonical 8-4-4-4-12 form. */
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}
