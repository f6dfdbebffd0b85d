import { CONTAINER_FORMATS, DISK_FORMATS, IMAGE_STATUSES, VISIBILITIES } from '../../core/image.js';

const UUID_PATTERN = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

type Prop = Record<string, unknown>;
const nullable = (type: string, extra: Prop = {}): Prop => ({ type: ['null', type], ...extra });
const readOnly = (prop: Prop): Prop => ({ ...prop, readOnly: true });

const CHUNK = {
  type: 'object',
  properties: {
    url: { type: 'string' },
    offset: { type: 'integer' },
    size: { type: 'integer' },
    etag: { type: 'string' },
    sha256: { type: 'string' },
  },
};

/**
 * The properties of an image, as Glance's image schema lists them plus the p2p_
 * fields. python-glanceclient turns each into a CLI option and validates every
 * image it receives against them, so every field we send must be declared here
 * with its real type. Two names stay out because they collide with glanceclient
 * 4.1's own options: `stores` (crash) and `uri` (--uri of image-create); `uri` is
 * a string, so it still validates as an additional property.
 */
export const IMAGE_PROPERTIES: Record<string, Prop> = {
  id: { type: 'string', pattern: UUID_PATTERN, description: 'An identifier for the image' },
  name: nullable('string', { maxLength: 255, description: 'Descriptive name for the image' }),
  status: readOnly({ type: 'string', enum: [...IMAGE_STATUSES], description: 'Status of the image' }),
  visibility: { type: 'string', enum: [...VISIBILITIES], description: 'Scope of image accessibility' },
  protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
  os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
  owner: nullable('string', { maxLength: 255, description: 'Owner of the image' }),
  disk_format: nullable('string', { enum: [null, ...DISK_FORMATS], description: 'Format of the disk' }),
  container_format: nullable('string', { enum: [null, ...CONTAINER_FORMATS], description: 'Format of the container' }),
  size: readOnly(nullable('integer', { description: 'Size of image file in bytes' })),
  virtual_size: readOnly(nullable('integer', { description: 'Virtual size of image in bytes' })),
  checksum: readOnly(nullable('string', { maxLength: 32, description: 'md5 hash of image contents.' })),
  os_hash_algo: readOnly(nullable('string', { maxLength: 64, description: 'Algorithm to calculate os_hash_value' })),
  os_hash_value: readOnly(nullable('string', { maxLength: 128, description: 'Hexdigest of the image contents using the algorithm specified by the os_hash_algo' })),
  min_disk: { type: 'integer', minimum: 0, description: 'Amount of disk space (in GB) required to boot image.' },
  min_ram: { type: 'integer', minimum: 0, description: 'Amount of ram (in MB) required to boot image.' },
  created_at: readOnly({ type: 'string', description: 'Date and time of image registration' }),
  updated_at: readOnly({ type: 'string', description: 'Date and time of the last image modification' }),
  tags: { type: 'array', items: { type: 'string', maxLength: 255 }, description: 'List of strings related to the image' },
  self: readOnly({ type: 'string', description: 'An image self url' }),
  file: readOnly({ type: 'string', description: 'An image file url' }),
  schema: readOnly({ type: 'string', description: 'An image schema url' }),
  direct_url: readOnly({ type: 'string', description: 'URL to access the image file kept in external store' }),
  locations: readOnly({
    type: 'array',
    items: { type: 'object', properties: { store: { type: 'string' }, chunks: { type: 'array', items: CHUNK } } },
    description: 'Where the chunks of the image are stored (admins and the service role only)',
  }),
  p2p_infohash: readOnly(nullable('string', { description: 'BitTorrent v1 infohash of the private torrent' })),
  p2p_magnet: readOnly(nullable('string', { description: 'Magnet link of the private torrent, with the caller\'s passkey' })),
  p2p_piece_length: readOnly(nullable('integer', { description: 'Torrent piece length in bytes' })),
  p2p_source_infohash: readOnly(nullable('string', { description: 'Infohash of the public torrent the image was imported from' })),
  p2p_origin_uri: readOnly(nullable('string', { description: 'URI of the image this one was copied from' })),
  p2p_progress: readOnly(nullable('object', { description: 'Progress of the running upload or import' })),
  p2p_status_reason: readOnly(nullable('string', { description: 'Why the image was killed' })),
};

/** Base attributes a client may not set or patch (403 "read-only"). */
export const READ_ONLY_ATTRIBUTES = new Set(Object.entries(IMAGE_PROPERTIES).filter(([, p]) => p.readOnly).map(([k]) => k));

/** Names that are never custom properties (403 "reserved"). */
export const RESERVED_ATTRIBUTES = new Set(['deleted', 'deleted_at', 'stores', 'os_glance_importing_to_stores', 'os_glance_failed_import']);

/** GET /v2/schemas/image */
export function imageSchemaDocument(): Record<string, unknown> {
  return {
    name: 'image',
    additionalProperties: { type: 'string' },
    links: [
      { href: '{self}', rel: 'self' },
      { href: '{file}', rel: 'enclosure' },
      { href: '{schema}', rel: 'describedby' },
    ],
    properties: IMAGE_PROPERTIES,
  };
}

/** GET /v2/schemas/images */
export function imagesSchemaDocument(): Record<string, unknown> {
  return {
    name: 'images',
    properties: {
      images: { type: 'array', items: imageSchemaDocument() },
      schema: { type: 'string' },
      first: { type: 'string' },
      next: { type: 'string' },
    },
    links: [
      { href: '{first}', rel: 'first' },
      { href: '{next}', rel: 'next' },
      { href: '{schema}', rel: 'describedby' },
    ],
  };
}

const MEMBER_PROPERTIES = {
  created_at: { type: 'string', description: 'Date and time of image member creation' },
  image_id: { type: 'string', pattern: UUID_PATTERN, description: 'An identifier for the image' },
  member_id: { type: 'string', description: 'An identifier for the image member (tenantId)' },
  status: { type: 'string', enum: ['pending', 'accepted', 'rejected'], description: 'The status of this image member' },
  updated_at: { type: 'string', description: 'Date and time of last modification of image member' },
  schema: { type: 'string', readOnly: true },
};

/** GET /v2/schemas/member */
export function memberSchemaDocument(): Record<string, unknown> {
  return { name: 'member', properties: MEMBER_PROPERTIES };
}

/** GET /v2/schemas/members */
export function membersSchemaDocument(): Record<string, unknown> {
  return {
    name: 'members',
    properties: { members: { type: 'array', items: memberSchemaDocument() }, schema: { type: 'string' } },
    links: [{ href: '{schema}', rel: 'describedby' }],
  };
}

/** A serialization schema for one image (types only), for fast JSON output and the OpenAPI document. */
export const IMAGE_RESPONSE_SCHEMA = {
  type: 'object',
  properties: Object.fromEntries(
    Object.entries<Prop>({ ...IMAGE_PROPERTIES, uri: { type: 'string', description: 'Global URI of the image: {registry}/v2/images/{id}' } }).map(([name, p]) => {
      const out: Prop = { type: p.type };
      if (p.items) out.items = p.items;
      if (Array.isArray(p.type) && p.type.includes('object')) out.additionalProperties = true;
      if (p.description) out.description = p.description;
      return [name, out];
    }),
  ),
  additionalProperties: { type: 'string' },
} as const;
