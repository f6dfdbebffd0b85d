import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/registry/db/migrations.js';
import { applyMigrations, openDatabase } from '../../src/registry/db/database.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('registry schema migrations', () => {
  it('bring a new database, and one left at an older version, to the latest; reopening changes nothing', () => {
    const dir = tempDir('glance-p2p-migrations-');
    try {
      const fresh = openDatabase(join(dir.path, 'fresh.sqlite'));
      expect(fresh.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
      expect(fresh.pragma('journal_mode', { simple: true })).toBe('wal');
      fresh.close();

      const oldFile = join(dir.path, 'old.sqlite');
      const old = new Database(oldFile);
      old.exec(MIGRATIONS[0]!.sql);
      old.pragma('user_version = 1');
      old.prepare("INSERT INTO images (id, status, visibility, created_at, updated_at) VALUES ('6a5a8a4e-0000-4000-8000-000000000000', 'queued', 'private', 'x', 'x')").run();
      old.close();
      const upgraded = openDatabase(oldFile);
      expect(upgraded.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
      expect(upgraded.prepare('SELECT count(*) AS n FROM images').get()).toEqual({ n: 1 });
      const indexes = (upgraded.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as Array<{ name: string }>).map((r) => r.name);
      expect(indexes).toContain('ix_images_os_hidden');
      applyMigrations(upgraded);
      expect(upgraded.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
      upgraded.close();
    } finally {
      dir.remove();
    }
  });
});
