import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../src/stores/file/file-store.js';
import { expectStoreError, readAll } from './conformance.js';

let base: string;
let root: string;
let outside: string;
let store: FileStore;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'file-paths-'));
  root = join(base, 'root');
  outside = join(base, 'outside');
  await mkdir(root);
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'secret');
  await symlink(outside, join(root, 'link-dir'));
  await symlink(join(outside, 'secret'), join(root, 'link-file'));
  await mkdir(join(root, 'inside'));
  await writeFile(join(root, 'inside', 'ok'), 'ok');
  await symlink(join(root, 'inside', 'ok'), join(root, 'link-inside'));
  store = new FileStore('local', { root });
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('file store keys never leave the root', () => {
  it('refuses symlinks that point out, for every call', async () => {
    for (const key of ['link-file', 'link-dir/secret']) {
      await expectStoreError(store.head(key), 'INVALID_KEY');
      await expectStoreError(store.read(key), 'INVALID_KEY');
    }
    const writer = await store.write('link-dir/new');
    writer.end(Buffer.from('x'));
    await expectStoreError(writer.commit(), 'INVALID_KEY');
    await expectStoreError(store.delete('link-dir/secret'), 'INVALID_KEY');
    expect(await readdir(outside)).toEqual(['secret']);
  });

  it('makes no folders behind a symlink that points out', async () => {
    const writer = await store.write('link-dir/sub/deeper/new');
    writer.end(Buffer.from('x'));
    await expectStoreError(writer.commit(), 'INVALID_KEY');
    expect(await readdir(outside)).toEqual(['secret']);
  });

  it('lists nothing under a symlink that points out, and names nothing there', async () => {
    for (const prefix of ['link-dir/', 'link-dir/sec', '../outside/']) {
      const keys = [];
      for await (const e of store.list(prefix)) keys.push(e.key);
      expect(keys).toEqual([]);
    }
  });

  it('follows symlinks that stay inside', async () => {
    expect((await readAll(await store.read('link-inside'))).toString()).toBe('ok');
  });

  it('refuses the reserved folder, dot segments, absolute keys and NUL bytes', async () => {
    for (const key of ['.glance-store/tmp/x', '../outside/secret', '/etc/passwd', 'a\0b', 'inside/../../outside/secret']) {
      await expectStoreError(store.head(key), 'INVALID_KEY');
      await expectStoreError(store.write(key), 'INVALID_KEY');
    }
  });

  it('never lists symlinks or the reserved folder', async () => {
    const w = await store.write('listed');
    w.end(Buffer.from('1'));
    await w.commit();
    const keys = [];
    for await (const e of store.list('')) keys.push(e.key);
    expect(keys).toEqual(['inside/ok', 'listed']);
  });

  it('removes temp files a crashed writer left, but not those of running writers', async () => {
    const dir = await mkdtemp(join(base, 'sweep-'));
    await mkdir(join(dir, '.glance-store', 'tmp'), { recursive: true });
    const stale = join(dir, '.glance-store', 'tmp', 'stale');
    const fresh = join(dir, '.glance-store', 'tmp', 'fresh');
    await writeFile(stale, 'x');
    await writeFile(fresh, 'y');
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    await utimes(stale, twoDaysAgo, twoDaysAgo);
    const w = await new FileStore('sweep', { root: dir }).write('k');
    expect((await readdir(join(dir, '.glance-store', 'tmp'))).sort()).toContain('fresh');
    expect(await readdir(join(dir, '.glance-store', 'tmp'))).not.toContain('stale');
    await w.cancel();
  });

  it('refuses writes and deletes when read-only', async () => {
    const ro = new FileStore('ro', { root, readOnly: true });
    await expectStoreError(ro.write('x'), 'READ_ONLY');
    await expectStoreError(ro.delete('inside/ok'), 'READ_ONLY');
    expect((await ro.head('inside/ok')).size).toBe(2);
  });

  it('recomputes the etag of a file replaced behind its back', async () => {
    await writeFile(join(root, 'inside', 'ok'), 'changed');
    expect((await store.head('inside/ok')).etag).toBe(createHash('md5').update('changed').digest('hex'));
  });
});
