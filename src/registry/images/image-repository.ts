import { EventEmitter } from 'node:events';
import type { ImageLocation, ImageRecord, ImportProgress, MemberStatus } from '../../core/image.js';
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from '../db/database.js';
import type { SqlFragment } from './list-sql.js';
import { storedTime, type Clock } from './time.js';

/** An image row as SQLite returns it. */
export interface ImageRow {
  seq: number;
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  owner: string | null;
  protected: number;
  os_hidden: number;
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
  p2p_infohash: string | null;
  p2p_piece_length: number | null;
  p2p_source_infohash: string | null;
  p2p_origin_uri: string | null;
  p2p_progress: string | null;
  p2p_status_reason: string | null;
  locations: string;
}

/** A row with its tags (JSON array) and properties (JSON object) aggregated in. */
export interface ImageRowWithExtras extends ImageRow {
  tags_json: string;
  props_json: string;
}

/** Select-list that adds tags and properties to `images i` rows in the same statement. */
export const IMAGE_COLUMNS_WITH_EXTRAS =
  "i.*, (SELECT json_group_array(t.tag) FROM (SELECT tag FROM image_tags t WHERE t.image_id = i.id ORDER BY tag) t) AS tags_json, (SELECT json_group_object(p.name, p.value) FROM image_properties p WHERE p.image_id = i.id) AS props_json";

/** Columns of `images` that a change may set directly. */
export type ImageColumns = Partial<Omit<ImageRecord, 'id' | 'tags' | 'properties' | 'created_at' | 'updated_at'>>;

/** One change to an image: columns, properties set or removed, and optionally the whole tag list. */
export interface ImageChange {
  columns?: ImageColumns;
  /** The private .torrent, stored apart from the row. */
  torrent?: Buffer;
  setProperties?: Record<string, string>;
  removeProperties?: string[];
  tags?: string[];
}

/** A member entry of a shared image. */
export interface MemberRecord {
  image_id: string;
  member: string;
  status: MemberStatus;
  created_at: string;
  updated_at: string;
}

const BOOLEAN_COLUMNS = new Set(['protected', 'os_hidden']);
const JSON_COLUMNS = new Set(['locations', 'p2p_progress']);

function toRecord(row: ImageRowWithExtras): ImageRecord {
  return {
    id: row.id,
    name: row.name,
    status: row.status as ImageRecord['status'],
    visibility: row.visibility as ImageRecord['visibility'],
    owner: row.owner,
    protected: row.protected === 1,
    os_hidden: row.os_hidden === 1,
    disk_format: row.disk_format,
    container_format: row.container_format,
    size: row.size,
    virtual_size: row.virtual_size,
    checksum: row.checksum,
    os_hash_algo: row.os_hash_algo,
    os_hash_value: row.os_hash_value,
    min_disk: row.min_disk,
    min_ram: row.min_ram,
    created_at: row.created_at,
    updated_at: row.updated_at,
    tags: JSON.parse(row.tags_json) as string[],
    properties: JSON.parse(row.props_json) as Record<string, string>,
    locations: JSON.parse(row.locations) as ImageLocation[],
    p2p_infohash: row.p2p_infohash,
    p2p_piece_length: row.p2p_piece_length,
    p2p_source_infohash: row.p2p_source_infohash,
    p2p_origin_uri: row.p2p_origin_uri,
    p2p_progress: row.p2p_progress ? (JSON.parse(row.p2p_progress) as ImportProgress) : null,
    p2p_status_reason: row.p2p_status_reason,
  };
}

function columnValue(column: string, value: unknown): unknown {
  if (BOOLEAN_COLUMNS.has(column)) return value ? 1 : 0;
  if (JSON_COLUMNS.has(column)) return value === null ? (column === 'locations' ? '[]' : null) : JSON.stringify(value);
  return value;
}

/**
 * All SQL about images: rows, tags, properties, members, the full-text index and
 * the change revision. Every write runs in one transaction and bumps the revision,
 * which `changes` announces after commit (the tracker and seeders long-poll it).
 */
export class ImageRepository {
  /** Emits 'revision' (number) after every committed change. */
  readonly changes = new EventEmitter();
  private revisionValue: number;
  private readonly stmt;
  /** Prepared list statements by SQL text (the text varies only with the shape of the filters). */
  private readonly statements = new Map<string, Database.Statement>();
  private writesSinceAnalyze = 0;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly clock: Clock,
  ) {
    this.changes.setMaxListeners(0);
    this.stmt = {
      byId: db.prepare<[string], ImageRow>('SELECT * FROM images WHERE id = ?'),
      fullById: db.prepare<[string], ImageRowWithExtras>(`SELECT ${IMAGE_COLUMNS_WITH_EXTRAS} FROM images i WHERE i.id = ?`),
      tags: db.prepare<[string], { tag: string }>('SELECT tag FROM image_tags WHERE image_id = ? ORDER BY tag'),
      properties: db.prepare<[string], { name: string; value: string }>('SELECT name, value FROM image_properties WHERE image_id = ?'),
      bump: db.prepare("UPDATE registry_state SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision' RETURNING value"),
      ftsDelete: db.prepare('DELETE FROM images_fts WHERE rowid = ?'),
      ftsInsert: db.prepare('INSERT INTO images_fts(rowid, name, tags, properties) VALUES (?, ?, ?, ?)'),
      setProperty: db.prepare('INSERT INTO image_properties(image_id, name, value) VALUES (?, ?, ?) ON CONFLICT(image_id, name) DO UPDATE SET value = excluded.value'),
      removeProperty: db.prepare('DELETE FROM image_properties WHERE image_id = ? AND name = ?'),
      clearTags: db.prepare('DELETE FROM image_tags WHERE image_id = ?'),
      addTag: db.prepare('INSERT OR IGNORE INTO image_tags(image_id, tag) VALUES (?, ?)'),
      removeTag: db.prepare('DELETE FROM image_tags WHERE image_id = ? AND tag = ?'),
      member: db.prepare<[string, string], MemberRecord>('SELECT * FROM image_members WHERE image_id = ? AND member = ?'),
      members: db.prepare<[string], MemberRecord>('SELECT * FROM image_members WHERE image_id = ? ORDER BY created_at, member'),
      torrent: db.prepare<[string], { torrent: Buffer }>('SELECT torrent FROM image_torrents WHERE image_id = ?'),
      setTorrent: db.prepare('INSERT INTO image_torrents(image_id, torrent) VALUES (?, ?) ON CONFLICT(image_id) DO UPDATE SET torrent = excluded.torrent'),
    };
    this.revisionValue = Number((db.prepare("SELECT value FROM registry_state WHERE key = 'revision'").get() as { value: string }).value);
  }

  /** The number of committed changes so far; it only grows. */
  get revision(): number {
    return this.revisionValue;
  }

  /** One image with tags and properties, or undefined. */
  get(id: string): ImageRecord | undefined {
    const row = this.stmt.fullById.get(id);
    return row ? toRecord(row) : undefined;
  }

  /** The raw row (for paging markers). */
  getRow(id: string): ImageRow | undefined {
    return this.stmt.byId.get(id);
  }

  /** Run a SELECT whose rows carry IMAGE_COLUMNS_WITH_EXTRAS. */
  select(query: SqlFragment): ImageRecord[] {
    return (this.prepared(query.sql).all(...query.params) as ImageRowWithExtras[]).map(toRecord);
  }

  /** Rows only, no tags or properties (for the tracker's and seeder's bulk views). */
  selectRows(query: SqlFragment): ImageRow[] {
    return this.prepared(query.sql).all(...query.params) as ImageRow[];
  }

  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= 256) this.statements.delete(this.statements.keys().next().value!);
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Insert a new image with its tags and properties. */
  insert(record: ImageRecord): ImageRecord {
    this.write(() => {
      const columns: Record<string, unknown> = { ...record };
      delete columns.tags;
      delete columns.properties;
      const names = Object.keys(columns);
      this.db
        .prepare(`INSERT INTO images (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`)
        .run(...names.map((n) => columnValue(n, columns[n])));
      for (const [name, value] of Object.entries(record.properties)) this.stmt.setProperty.run(record.id, name, value);
      for (const tag of record.tags) this.stmt.addTag.run(record.id, tag);
      this.reindex(record.id);
    });
    return this.get(record.id)!;
  }

  /**
   * Apply a change; updated_at moves unless `touch` is false. A `quiet` change
   * (import progress) does not bump the revision, so it wakes no long-pollers.
   */
  update(id: string, change: ImageChange, touch = true, quiet = false): ImageRecord {
    this.write(() => {
      const columns: Record<string, unknown> = { ...change.columns };
      if (touch) columns.updated_at = storedTime(this.clock());
      const names = Object.keys(columns);
      if (names.length > 0) {
        this.db.prepare(`UPDATE images SET ${names.map((n) => `${n} = ?`).join(', ')} WHERE id = ?`).run(...names.map((n) => columnValue(n, columns[n])), id);
      }
      for (const [name, value] of Object.entries(change.setProperties ?? {})) this.stmt.setProperty.run(id, name, value);
      for (const name of change.removeProperties ?? []) this.stmt.removeProperty.run(id, name);
      if (change.torrent) this.stmt.setTorrent.run(id, change.torrent);
      if (change.tags) {
        this.stmt.clearTags.run(id);
        for (const tag of change.tags) this.stmt.addTag.run(id, tag);
      }
      if (change.setProperties || change.removeProperties || change.tags || 'name' in columns) this.reindex(id);
    }, quiet);
    return this.get(id)!;
  }

  /**
   * Update only when the status is one of `from` (compare-and-set); returns the new
   * record, or undefined when the status had moved on.
   */
  updateIfStatus(id: string, from: readonly string[], change: ImageChange): ImageRecord | undefined {
    let done = false;
    this.write(() => {
      const row = this.stmt.byId.get(id);
      if (!row || !from.includes(row.status)) return;
      this.update(id, change);
      done = true;
    });
    return done ? this.get(id) : undefined;
  }

  addTag(id: string, tag: string): void {
    this.write(() => {
      this.stmt.addTag.run(id, tag);
      this.touch(id);
    });
  }

  /** Remove a tag; false when the image did not have it. */
  removeTag(id: string, tag: string): boolean {
    let removed = false;
    this.write(() => {
      removed = this.stmt.removeTag.run(id, tag).changes > 0;
      if (removed) this.touch(id);
    });
    return removed;
  }

  /**
   * Delete an image row (tags, properties and members go with it). When it has
   * data in a store, a tombstone keeps the locations until Teller removes them.
   */
  delete(id: string): void {
    this.write(() => {
      const row = this.stmt.byId.get(id);
      if (!row) return;
      this.stmt.ftsDelete.run(row.seq);
      this.db.prepare('DELETE FROM images WHERE id = ?').run(id);
      if (row.locations !== '[]') {
        this.db.prepare('INSERT OR REPLACE INTO deleted_images(id, locations, deleted_at) VALUES (?, ?, ?)').run(id, row.locations, storedTime(this.clock()));
      }
    });
  }

  /** Tombstones of deleted images whose chunks still need removing. */
  deletedImages(limit = 100): Array<{ id: string; locations: ImageLocation[]; deleted_at: string }> {
    return (this.db.prepare('SELECT * FROM deleted_images ORDER BY deleted_at LIMIT ?').all(limit) as Array<{ id: string; locations: string; deleted_at: string }>).map((r) => ({
      ...r,
      locations: JSON.parse(r.locations) as ImageLocation[],
    }));
  }

  /** Forget a tombstone once its chunks are gone; false when there was none. */
  purgeDeleted(id: string): boolean {
    return this.db.prepare('DELETE FROM deleted_images WHERE id = ?').run(id).changes > 0;
  }

  /** The stored .torrent (announce-free), if any. */
  torrent(id: string): Buffer | null {
    return this.stmt.torrent.get(id)?.torrent ?? null;
  }

  /** Refresh the planner's statistics (bounded work), so list plans follow the data's real shape. */
  analyze(): void {
    this.db.exec('PRAGMA analysis_limit = 1000; ANALYZE;');
    this.writesSinceAnalyze = 0;
  }

  member(imageId: string, member: string): MemberRecord | undefined {
    return this.stmt.member.get(imageId, member);
  }

  members(imageId: string): MemberRecord[] {
    return this.stmt.members.all(imageId);
  }

  addMember(imageId: string, member: string): MemberRecord {
    const now = storedTime(this.clock());
    this.write(() => {
      this.db.prepare("INSERT INTO image_members(image_id, member, status, created_at, updated_at) VALUES (?, ?, 'pending', ?, ?)").run(imageId, member, now, now);
    });
    return this.member(imageId, member)!;
  }

  setMemberStatus(imageId: string, member: string, status: MemberStatus): MemberRecord {
    this.write(() => {
      this.db.prepare('UPDATE image_members SET status = ?, updated_at = ? WHERE image_id = ? AND member = ?').run(status, storedTime(this.clock()), imageId, member);
    });
    return this.member(imageId, member)!;
  }

  removeMember(imageId: string, member: string): void {
    this.write(() => {
      this.db.prepare('DELETE FROM image_members WHERE image_id = ? AND member = ?').run(imageId, member);
    });
  }

  /** Accepted members of many images at once: image id → member projects. */
  acceptedMembers(imageIds: string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    if (imageIds.length === 0) return out;
    for (let i = 0; i < imageIds.length; i += 500) {
      const ids = imageIds.slice(i, i + 500);
      const rows = this.db
        .prepare(`SELECT image_id, member FROM image_members WHERE status = 'accepted' AND image_id IN (${ids.map(() => '?').join(',')})`)
        .all(...ids) as Array<{ image_id: string; member: string }>;
      for (const r of rows) (out.get(r.image_id) ?? out.set(r.image_id, []).get(r.image_id)!).push(r.member);
    }
    return out;
  }

  private touch(id: string): void {
    this.db.prepare('UPDATE images SET updated_at = ? WHERE id = ?').run(storedTime(this.clock()), id);
    this.reindex(id);
  }

  private reindex(id: string): void {
    const row = this.stmt.byId.get(id);
    if (!row) return;
    const tags = this.stmt.tags.all(id).map((t) => t.tag);
    const props = this.stmt.properties.all(id).map((p) => `${p.name} ${p.value}`);
    this.stmt.ftsDelete.run(row.seq);
    this.stmt.ftsInsert.run(row.seq, row.name ?? '', tags.join(' '), props.join(' '));
  }

  /** Run writes in a transaction (nested calls join the outer one) and announce the new revision. */
  private write(fn: () => void, quiet = false): void {
    if (this.db.inTransaction) {
      fn();
      return;
    }
    let revision = this.revisionValue;
    this.db.transaction(() => {
      fn();
      if (!quiet) revision = Number((this.stmt.bump.get() as { value: string }).value);
    })();
    if (revision !== this.revisionValue) {
      this.revisionValue = revision;
      this.changes.emit('revision', revision);
    }
    if (++this.writesSinceAnalyze >= 1000) this.analyze();
  }
}
