import { existsSync, mkdirSync } from 'node:fs';
import { readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the agent remembers about an image it holds (to seed it again after a restart). */
export interface HeldImage {
  sha256: string;
  size: number;
  image_uri: string;
  infohash: string | null;
  /** The torrent with this agent's passkey, base64. */
  torrent: string | null;
  container_format: string | null;
}

/**
 * The agent's content-addressed store: verified images under `objects/<sha256>`, so
 * the same bytes from two registries are fetched once; what is known about each under
 * `meta/`; downloads in progress under `partial/` (kept across restarts to resume).
 */
export class LocalImageCache {
  readonly objects: string;
  readonly meta: string;
  readonly partial: string;

  constructor(readonly dir: string) {
    this.objects = join(dir, 'objects');
    this.meta = join(dir, 'meta');
    this.partial = join(dir, 'partial');
    for (const d of [this.objects, this.meta, this.partial]) mkdirSync(d, { recursive: true });
  }

  /** Path of a held image, or undefined. */
  path(sha256: string): string | undefined {
    const p = join(this.objects, sha256);
    return existsSync(p) ? p : undefined;
  }

  /** A stable partial-download path for a key (an infohash, or a SHA-256 for HTTP). */
  partialPath(key: string, kind: 'swarm' | 'http'): string {
    return join(this.partial, `${key}.${kind}.part`);
  }

  /** Move a verified download into place and remember it. */
  async commit(partial: string, held: HeldImage): Promise<string> {
    const target = join(this.objects, held.sha256);
    await rename(partial, target);
    await this.remember(held);
    return target;
  }

  async remember(held: HeldImage): Promise<void> {
    await writeFile(join(this.meta, `${held.sha256}.json`), JSON.stringify(held));
  }

  /** Every image held, with what is known about it. */
  async held(): Promise<HeldImage[]> {
    const out: HeldImage[] = [];
    for (const name of await readdir(this.meta)) {
      if (!name.endsWith('.json')) continue;
      try {
        const held = JSON.parse(await readFile(join(this.meta, name), 'utf8')) as HeldImage;
        if (this.path(held.sha256)) out.push(held);
      } catch {
        /* a broken record: ignore */
      }
    }
    return out;
  }

  /** Mark an image as just used (eviction order). */
  async touch(sha256: string): Promise<void> {
    const p = this.path(sha256);
    if (p) await utimes(p, new Date(), new Date()).catch(() => undefined);
  }

  /** Drop an image. */
  async remove(sha256: string): Promise<void> {
    await rm(join(this.objects, sha256), { force: true });
    await rm(join(this.meta, `${sha256}.json`), { force: true });
  }

  /** Evict least recently used images until the total fits `maxBytes` (never those in `keep`); returns what went. */
  async evict(maxBytes: number, keep: Set<string>): Promise<string[]> {
    if (maxBytes <= 0) return [];
    const entries = await Promise.all(
      (await readdir(this.objects)).map(async (name) => {
        const s = await stat(join(this.objects, name));
        return { sha256: name, size: s.size, used: s.mtimeMs };
      }),
    );
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    const gone: string[] = [];
    for (const e of entries.sort((a, b) => a.used - b.used)) {
      if (total <= maxBytes) break;
      if (keep.has(e.sha256)) continue;
      await this.remove(e.sha256);
      total -= e.size;
      gone.push(e.sha256);
    }
    return gone;
  }
}
