import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../../core/logger.js';
import { MIGRATIONS } from './migrations.js';

export type SqliteDatabase = Database.Database;

/** Open (or create) the registry database: WAL, foreign keys, migrations applied. */
export function openDatabase(file: string, log?: Logger): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  applyMigrations(db, log);
  db.exec('PRAGMA analysis_limit = 1000; ANALYZE;');
  return db;
}

/** Apply every migration newer than the database's user_version, each in its own transaction. */
export function applyMigrations(db: SqliteDatabase, log?: Logger): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
    log?.info({ version: migration.version, migration: migration.name }, 'applied schema migration');
  }
}
