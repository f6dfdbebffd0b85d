import { mkdir, readdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.js';

/** One committed cache entry: an image's bytes, named by their SHA-256. */
export interface CacheEntry {
  sha256: string;
  size: number;
  path: string;
  lastUsed: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Teller's local image cache: a folder of files named by SHA-256, with a size cap and
 * least-recently-used eviction. Space is reserved before a fill starts, so concurrent
 * fills never overshoot the cap. Entries are only ever added whole and verified
 * (commit renames a finished partial file); evicting one that is being read is safe,
 * since readers keep their open file.
 */
export class ImageCache {
  private readonly entries = new Map<string, CacheEntry>();
  private used = 0;
  private reserved = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Off when the cap is 0. */
  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** Load what is on disk (mtime is the last use) and drop unfinished partial files. */
  async init(): Promise<void> {
    if (!this.enabled) return;
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      const path = join(this.dir, name);
      if (!SHA256.test(name)) {
        if (name.includes('.partial-')) await unlink(path).catch(() => undefined);
        continue;
      }
      const s = await stat(path);
      this.entries.set(name, { sha256: name, size: s.size, path, lastUsed: s.mtimeMs });
      this.used += s.size;
    }
    await this.evict(0);
    this.log.info({ entries: this.entries.size, bytes: this.used, maxBytes: this.maxBytes }, 'cache loaded');
  }

  /** The committed entry for a SHA-256, marked as just used. */
  lookup(sha256: string): CacheEntry | undefined {
    const entry = this.entries.get(sha256);
    if (!entry) return undefined;
    const now = this.now();
    if (now - entry.lastUsed > 60_000) void utimes(entry.path, new Date(now), new Date(now)).catch(() => undefined);
    entry.lastUsed = now;
    return entry;
  }

  /** Make room for `bytes` (evicting the least recently used entries); false when it cannot fit at all. */
  async reserve(bytes: number): Promise<boolean> {
    if (!this.enabled || bytes > this.maxBytes) return false;
    this.reserved += bytes;
    const fits = await this.evict(0);
    if (!fits) this.reserved -= bytes;
    return fits;
  }

  /** Give back a reservation that will not be committed. */
  release(bytes: number): void {
    this.reserved = Math.max(0, this.reserved - bytes);
  }

  /** A path for a new partial file. */
  partialPath(sha256: string): string {
    return join(this.dir, `${sha256}.partial-${process.pid}-${Math.random().toString(36).slice(2)}`);
  }

  /** Turn a verified partial file into an entry (its reservation becomes used space). */
  async commit(sha256: string, partial: string, size: number): Promise<CacheEntry> {
    const path = join(this.dir, sha256);
    await rename(partial, path);
    this.reserved = Math.max(0, this.reserved - size);
    const old = this.entries.get(sha256);
    if (old) this.used -= old.size;
    const entry = { sha256, size, path, lastUsed: this.now() };
    this.entries.set(sha256, entry);
    this.used += size;
    return entry;
  }

  /** Drop an entry (a purge on delete or deactivate). */
  async remove(sha256: string): Promise<boolean> {
    const entry = this.entries.get(sha256);
    if (!entry) return false;
    this.entries.delete(sha256);
    this.used -= entry.size;
    await unlink(entry.path).catch(() => undefined);
    return true;
  }

  /** Bytes held and reserved, and entry count (for /metrics and /healthz). */
  stats(): { entries: number; usedBytes: number; reservedBytes: number; maxBytes: number } {
    return { entries: this.entries.size, usedBytes: this.used, reservedBytes: this.reserved, maxBytes: this.maxBytes };
  }

  private async evict(extra: number): Promise<boolean> {
    const limit = this.maxBytes - extra;
    if (this.used + this.reserved <= limit) return true;
    const byAge = [...this.entries.values()].sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of byAge) {
      if (this.used + this.reserved <= limit) break;
      this.log.info({ sha256: entry.sha256, size: entry.size }, 'evicting cache entry');
      await this.remove(entry.sha256);
    }
    return this.used + this.reserved <= limit;
  }
}
