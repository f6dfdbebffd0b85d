import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStoreError } from '../../src/stores/errors.js';
import { openStores } from '../../src/stores/open-stores.js';
import { StoreFactory, defineStoreType } from '../../src/stores/store-factory.js';
import { Type } from '@sinclair/typebox';
import { FakeStore } from './fake-store.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'factory-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isStoreError(err, 'INVALID_CONFIG')) return err.message;
    throw err;
  }
  throw new Error('expected a StoreConfigError');
}

describe('StoreFactory', () => {
  it('creates each built-in type from validated options', () => {
    const f = new StoreFactory();
    expect(f.types()).toEqual(['file', 'http', 's3', 'swift']);
    expect(f.create({ id: 'a', type: 'file', options: { root } }).type).toBe('file');
    expect(f.create({ id: 'b', type: 'http', options: { baseUrl: 'https://mirror.example.org/images' } }).readOnly).toBe(true);
    expect(f.create({ id: 'c', type: 's3', options: { bucket: 'images', endpoint: 'http://127.0.0.1:9', accessKeyId: 'k', secretAccessKey: 's' } }).type).toBe('s3');
    const swift = f.create({ id: 'd', type: 'swift', options: { container: 'c', auth: { type: 'keystone', url: 'http://127.0.0.1:9/v3', username: 'u', password: 'p' } } });
    expect(swift.locationUrl('x/y')).toBe('swift://c/x/y');
  });

  it('fails loudly on unknown types and invalid options, without echoing secrets', () => {
    const f = new StoreFactory();
    expect(configError(() => f.create({ id: 'a', type: 'ftp', options: {} }))).toMatch(/unknown type "ftp".*known types: file, http, s3, swift/);
    expect(configError(() => f.create({ id: 'a', type: 'file', options: {} }))).toMatch(/\/root/);
    expect(configError(() => f.create({ id: 'a', type: 'file', options: { root, colour: 'red' } }))).toMatch(/colour|additional/i);
    expect(configError(() => f.create({ id: 'bad id!', type: 'file', options: { root } }))).toMatch(/\/id/);
    const msg = configError(() => f.create({ id: 'a', type: 's3', options: { bucket: 'b', secretAccessKey: 'SUPERSECRET', partSize: 1 } }));
    expect(msg).toMatch(/\/bucket|\/partSize/);
    expect(msg).not.toContain('SUPERSECRET');
    expect(configError(() => f.create({ id: 'a', type: 'http', options: { baseUrl: 'https://user:pw@host/' } }))).toMatch(/baseUrl/);
    expect(configError(() => f.create({ id: 'a', type: 'swift', options: { container: 'a/b', auth: { type: 'tempauth', url: 'http://x', user: 'u', key: 'k' } } }))).toMatch(/container/);
  });

  it('takes plugin types, and refuses a name twice', () => {
    const f = new StoreFactory([]);
    const fake = defineStoreType({ type: 'fake', schema: Type.Object({}), create: (id) => new FakeStore(id) });
    f.register(fake);
    expect(f.create({ id: 'x', type: 'fake' }).id).toBe('x');
    expect(configError(() => f.register(fake))).toMatch(/already registered/);
  });
});

describe('openStores and location URLs', () => {
  const configs = () => [
    { id: 'local', type: 'file', options: { root } },
    { id: 'nested', type: 'file', options: { root: join(root, 'nested') } },
    { id: 'mirror', type: 'http', options: { baseUrl: 'https://mirror.example.org/images/' } },
    { id: 'web', type: 'http', options: {} },
    { id: 'aws', type: 's3', options: { bucket: 'images', accessKeyId: 'k', secretAccessKey: 's' } },
    { id: 'ceph', type: 's3', options: { bucket: 'images', endpoint: 'http://127.0.0.1:9', accessKeyId: 'k', secretAccessKey: 's' } },
    { id: 'swift', type: 'swift', options: { container: 'glance', auth: { type: 'tempauth', url: 'http://127.0.0.1:9/auth/v1.0', user: 'a:b', key: 'SECRET' } } },
  ];

  it('builds URLs per store and resolves them back to the right store and key', async () => {
    const set = openStores(configs(), { metrics: new Registry() });
    const cases: Array<[string, string, string]> = [
      ['local', 'img/a b.000000', `file://${root}/img/a%20b.000000`],
      ['nested', 'x', `file://${root}/nested/x`],
      ['mirror', 'cirros/disk.img', 'https://mirror.example.org/images/cirros/disk.img'],
      ['swift', 'img/ü.000001', 'swift://glance/img/%C3%BC.000001'],
    ];
    for (const [id, key, url] of cases) {
      expect(set.locationUrl(id, key)).toBe(url);
      const resolved = set.resolve(url);
      expect([resolved.store.id, resolved.key]).toEqual([id, key]);
    }
    // Any other http(s) URL goes to the catch-all http store, its key the URL itself.
    expect(set.resolve('https://elsewhere.example.com/f.qcow2').store.id).toBe('web');
    // One bucket name on two endpoints: only the store id tells them apart.
    expect(() => set.resolve('s3://images/k')).toThrow(/aws, ceph|ceph, aws/);
    expect(set.resolve('s3://images/k', 'ceph').store.id).toBe('ceph');
    for (const url of ['s3://other-bucket/k', 'swift://other/k', 'ftp://x/y', 'file:///etc/passwd', `file://${root}/../escape`, 'swift://glance/a/../b']) {
      expect(() => set.resolve(url)).toThrow(expect.objectContaining({ code: 'UNKNOWN_STORE' }));
    }
    expect(() => set.get('nope')).toThrow(expect.objectContaining({ code: 'UNKNOWN_STORE' }));
    expect(() => set.resolve('https://mirror.example.org/images/x', 'swift')).toThrow(expect.objectContaining({ code: 'UNKNOWN_STORE' }));
    // Credentials never appear: not in URLs, not in errors about URLs that carry them.
    for (const store of set) expect(store.locationUrl(store.id === 'web' ? 'https://h.example/k' : 'k')).not.toMatch(/SECRET|@/);
    expect(() => set.resolve('https://user:pw@mirror.example.org/images/x')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('pw') }));
    await set.close();
  });

  it('refuses duplicate ids and wraps adapters (errors carry the store id)', async () => {
    expect(() => openStores([...configs(), { id: 'local', type: 'file', options: { root } }])).toThrow(/twice/);
    const set = openStores(configs());
    await expect(set.get('local').head('missing')).rejects.toMatchObject({ code: 'NOT_FOUND', storeId: 'local' });
    await expect(set.get('mirror').write('x')).rejects.toMatchObject({ code: 'READ_ONLY', storeId: 'mirror' });
    await set.close();
  });
});
