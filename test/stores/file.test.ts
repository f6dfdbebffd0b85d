import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../../src/stores/file/file-store.js';
import { describeConformance } from './conformance.js';

/** Every file under `dir`, the reserved temp/meta folder included. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => !e.isDirectory()).map((e) => join(e.parentPath, e.name).slice(dir.length));
}

describeConformance('file', async () => {
  const root = await mkdtemp(join(tmpdir(), 'file-store-'));
  return {
    store: new FileStore('local', { root }),
    leftovers: () => walk(root),
    etagOf: (data) => createHash('md5').update(data).digest('hex'),
    teardown: () => rm(root, { recursive: true, force: true }),
  };
});
