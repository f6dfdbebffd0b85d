import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { openStores } from '../../src/stores/open-stores.js';
import { describeConformance } from './conformance.js';

// The same contract holds through every wrapper openStores puts around an adapter.
describeConformance('file through openStores (stamp, retry, limit, metrics)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'file-wrapped-'));
  const set = openStores([{ id: 'local', type: 'file', options: { root, fsync: false }, maxConcurrency: 8 }], { metrics: new Registry() });
  return {
    store: set.get('local'),
    leftovers: async () => (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => !e.isDirectory()).map((e) => join(e.parentPath, e.name)),
    etagOf: (data) => createHash('md5').update(data).digest('hex'),
    teardown: async () => {
      await set.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
