/**
 * Schema migrations, applied in order at start. Never edit a shipped migration:
 * add a new one. Every list filter has an index; sort keys have (key, id) indexes
 * so keyset paging stays an index walk.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'images, properties, tags, members, tokens, full-text search',
    sql: `
CREATE TABLE images (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  name TEXT,
  status TEXT NOT NULL,
  visibility TEXT NOT NULL,
  owner TEXT,
  protected INTEGER NOT NULL DEFAULT 0,
  os_hidden INTEGER NOT NULL DEFAULT 0,
  disk_format TEXT,
  container_format TEXT,
  size INTEGER,
  virtual_size INTEGER,
  checksum TEXT,
  os_hash_algo TEXT,
  os_hash_value TEXT,
  min_disk INTEGER NOT NULL DEFAULT 0,
  min_ram INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  p2p_infohash TEXT,
  p2p_piece_length INTEGER,
  p2p_source_infohash TEXT,
  p2p_origin_uri TEXT,
  p2p_progress TEXT,
  p2p_status_reason TEXT,
  -- last, so reading the columns before it never walks its overflow pages
  locations TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX ix_images_name ON images(name, id);
CREATE INDEX ix_images_status ON images(status, id);
CREATE INDEX ix_images_visibility ON images(visibility, id);
CREATE INDEX ix_images_owner ON images(owner, id);
CREATE INDEX ix_images_disk_format ON images(disk_format, id);
CREATE INDEX ix_images_container_format ON images(container_format, id);
CREATE INDEX ix_images_size ON images(size, id);
CREATE INDEX ix_images_virtual_size ON images(virtual_size, id);
CREATE INDEX ix_images_protected ON images(protected, id);
CREATE INDEX ix_images_min_disk ON images(min_disk, id);
CREATE INDEX ix_images_min_ram ON images(min_ram, id);
CREATE INDEX ix_images_created_at ON images(created_at, id);
CREATE INDEX ix_images_updated_at ON images(updated_at, id);
CREATE INDEX ix_images_os_hash_value ON images(os_hash_value);
CREATE UNIQUE INDEX ix_images_p2p_infohash ON images(p2p_infohash) WHERE p2p_infohash IS NOT NULL;

-- Torrents live apart: a list never reads them.
CREATE TABLE image_torrents (
  image_id TEXT PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  torrent BLOB NOT NULL
) STRICT;

CREATE TABLE image_properties (
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (image_id, name)
) STRICT, WITHOUT ROWID;
CREATE INDEX ix_image_properties_name_value ON image_properties(name, value, image_id);

CREATE TABLE image_tags (
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (image_id, tag)
) STRICT, WITHOUT ROWID;
CREATE INDEX ix_image_tags_tag ON image_tags(tag, image_id);

CREATE TABLE image_members (
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  member TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (image_id, member)
) STRICT, WITHOUT ROWID;
CREATE INDEX ix_image_members_member ON image_members(member, status, image_id);

-- rowid = images.seq (an INTEGER PRIMARY KEY, so VACUUM keeps it stable).
CREATE VIRTUAL TABLE images_fts USING fts5(name, tags, properties, tokenize = 'unicode61 remove_diacritics 2');

CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  roles TEXT NOT NULL,
  description TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT
) STRICT;

-- Images deleted while their data still sits in a store: Teller removes the chunks, then the tombstone.
CREATE TABLE deleted_images (
  id TEXT PRIMARY KEY,
  locations TEXT NOT NULL,
  deleted_at TEXT NOT NULL
) STRICT;

CREATE TABLE registry_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
INSERT INTO registry_state(key, value) VALUES ('revision', '0');
`,
  },
  {
    version: 2,
    name: 'index os_hidden and the member-status filter',
    sql: `
CREATE INDEX ix_images_os_hidden ON images(os_hidden, id);
CREATE INDEX ix_image_members_image_status ON image_members(image_id, status);
`,
  },
];
