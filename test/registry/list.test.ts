import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestReportFor } from '../helpers/ingest-report.js';
import { ADMIN_TOKEN, SERVICE_TOKEN, startTestRegistry, type TestRegistry } from '../helpers/registry.js';

/** A clock that moves one minute per call, so created_at values are distinct and known. */
function steppingClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let t = start;
  return () => new Date((t += 60_000));
}

interface Seed {
  name: string;
  owner?: string;
  visibility?: string;
  disk_format?: string;
  container_format?: string;
  tags?: string[];
  props?: Record<string, string>;
  size?: number;
  protected?: boolean;
  os_hidden?: boolean;
}

const SEEDS: Seed[] = [
  { name: 'alpine-3.19', disk_format: 'qcow2', container_format: 'bare', tags: ['small', 'linux'], props: { os_distro: 'alpine', arch: 'x86_64' }, size: 1000 },
  { name: 'alpine-3.20', disk_format: 'qcow2', container_format: 'bare', tags: ['small', 'linux', 'latest'], props: { os_distro: 'alpine', arch: 'aarch64' }, size: 2000 },
  { name: 'ubuntu-22.04', disk_format: 'raw', container_format: 'bare', tags: ['linux', 'lts'], props: { os_distro: 'ubuntu', arch: 'x86_64' }, size: 5000, protected: true },
  { name: 'ubuntu-24.04', disk_format: 'raw', container_format: 'ova', tags: ['linux', 'lts', 'latest'], props: { os_distro: 'ubuntu', arch: 'x86_64', note: "'; DROP TABLE images;--" } },
  { name: 'windows-2022', disk_format: 'vhdx', container_format: 'bare', tags: ['windows'], props: { os_distro: 'windows', arch: 'x86_64' }, size: 9000 },
  { name: 'debian-12', disk_format: 'qcow2', container_format: 'tar', tags: ['linux'], props: { os_distro: 'debian', arch: 'aarch64' }, os_hidden: true },
  { name: 'zeta', disk_format: 'iso', container_format: 'bare', props: { arch: 'x86_64' } },
];

describe('registry: list filters, sorting and paging (real SQLite, real HTTP)', () => {
  let r: TestRegistry;
  const ids: Record<string, string> = {};
  const get = async (qs: string, token = ADMIN_TOKEN) => r.call('GET', `/v2/images${qs}`, { token });
  const names = async (qs: string, token = ADMIN_TOKEN) => {
    const res = await get(qs, token);
    expect(res.status, `${qs}: ${res.text}`).toBe(200);
    return (res.body.images as Array<{ name: string }>).map((i) => i.name);
  };
  const sorted = (xs: string[]) => [...xs].sort();

  beforeAll(async () => {
    r = await startTestRegistry({}, steppingClock());
    for (const s of SEEDS) {
      const body: Record<string, unknown> = { name: s.name, visibility: 'public', disk_format: s.disk_format, container_format: s.container_format, tags: s.tags ?? [], ...s.props };
      if (s.protected) body.protected = true;
      if (s.os_hidden) body.os_hidden = true;
      const res = await r.call('POST', '/v2/images', { token: ADMIN_TOKEN, body });
      expect(res.status, res.text).toBe(201);
      ids[s.name] = res.body.id;
      if (s.size) {
        await r.call('POST', `/internal/v1/images/${res.body.id}/status`, { token: SERVICE_TOKEN, body: { to: 'saving' } });
        const report = ingestReportFor(randomBytes(s.size), s.name);
        const done = await r.call('PUT', `/internal/v1/images/${res.body.id}/data`, { token: SERVICE_TOKEN, body: report });
        expect(done.status, done.text).toBe(200);
      }
    }
  });
  afterAll(async () => r.close());

  it('lists with the Glance envelope and hides os_hidden images by default', async () => {
    const res = await get('');
    expect(res.body).toMatchObject({ first: '/v2/images', schema: '/v2/schemas/images' });
    expect(res.body).not.toHaveProperty('next');
    expect(sorted(res.body.images.map((i: { name: string }) => i.name))).toEqual(sorted(SEEDS.filter((s) => !s.os_hidden).map((s) => s.name)));
    expect(await names('?os_hidden=true')).toEqual(['debian-12']);
  });

  it.each([
    ['?name=ubuntu-22.04', ['ubuntu-22.04']],
    ['?name=in:alpine-3.19,zeta', ['alpine-3.19', 'zeta']],
    ['?name=in:"alpine-3.19","zeta"', ['alpine-3.19', 'zeta']],
    ['?name=neq:zeta', ['alpine-3.19', 'alpine-3.20', 'ubuntu-22.04', 'ubuntu-24.04', 'windows-2022']],
    ['?status=active', ['alpine-3.19', 'alpine-3.20', 'ubuntu-22.04', 'windows-2022']],
    ['?status=queued', ['ubuntu-24.04', 'zeta']],
    ['?status=in:queued,active&disk_format=raw', ['ubuntu-22.04', 'ubuntu-24.04']],
    ['?visibility=public', ['alpine-3.19', 'alpine-3.20', 'ubuntu-22.04', 'ubuntu-24.04', 'windows-2022', 'zeta']],
    ['?visibility=private', []],
    ['?owner=admin&disk_format=qcow2', ['alpine-3.19', 'alpine-3.20']],
    ['?owner=nobody', []],
    ['?disk_format=in:vhdx,iso', ['windows-2022', 'zeta']],
    ['?container_format=ova', ['ubuntu-24.04']],
    ['?tag=linux', ['alpine-3.19', 'alpine-3.20', 'ubuntu-22.04', 'ubuntu-24.04']],
    ['?tag=linux&tag=latest', ['alpine-3.20', 'ubuntu-24.04']],
    ['?tag=nope', []],
    ['?size_min=2000', ['alpine-3.20', 'ubuntu-22.04', 'windows-2022']],
    ['?size_max=2000', ['alpine-3.19', 'alpine-3.20']],
    ['?size_min=1500&size_max=6000', ['alpine-3.20', 'ubuntu-22.04']],
    ['?size=gt:4999', ['ubuntu-22.04', 'windows-2022']],
    ['?protected=true', ['ubuntu-22.04']],
    ['?protected=false&tag=small', ['alpine-3.19', 'alpine-3.20']],
    ['?os_distro=alpine', ['alpine-3.19', 'alpine-3.20']],
    ['?os_distro=ubuntu&arch=x86_64', ['ubuntu-22.04', 'ubuntu-24.04']],
    ['?arch=in:aarch64', ['alpine-3.20']],
    ['?os_distro=neq:alpine', ['ubuntu-22.04', 'ubuntu-24.04', 'windows-2022']],
    ['?os_distro=gt:u', ['ubuntu-22.04', 'ubuntu-24.04', 'windows-2022']],
    ['?q=alpine', ['alpine-3.19', 'alpine-3.20']],
    ['?q=lts', ['ubuntu-22.04', 'ubuntu-24.04']],
    ['?q=wind', ['windows-2022']],
    ['?q=aarch64 alpine', ['alpine-3.20']],
    ['?q=DROP TABLE', ['ubuntu-24.04']],
  ])('filter %s', async (qs, expected) => {
    expect(sorted(await names(qs))).toEqual(sorted(expected));
  });

  it('filters created_at and updated_at with gt/gte/lt/lte/eq', async () => {
    const all = (await get('?sort=created_at:asc')).body.images as Array<{ name: string; created_at: string }>;
    const third = all[2]!.created_at;
    expect(await names(`?created_at=gt:${third}&sort=created_at:asc`)).toEqual(all.slice(3).map((i) => i.name));
    expect(await names(`?created_at=gte:${third}&sort=created_at:asc`)).toEqual(all.slice(2).map((i) => i.name));
    expect(await names(`?created_at=lt:${third}&sort=created_at:asc`)).toEqual(all.slice(0, 2).map((i) => i.name));
    expect(await names(`?created_at=lte:${third}&sort=created_at:asc`)).toEqual(all.slice(0, 3).map((i) => i.name));
    expect((await names(`?updated_at=gt:2099-01-01T00:00:00Z`))).toEqual([]);
    expect((await names(`?updated_at=lt:2099-01-01`)).length).toBe(all.length);
  });

  it('treats SQL in a filter value as a plain string', async () => {
    expect(await names(`?name=${encodeURIComponent("'; DROP TABLE images;--")}`)).toEqual([]);
    expect(await names(`?note=${encodeURIComponent("'; DROP TABLE images;--")}`)).toEqual(['ubuntu-24.04']);
    expect(await names(`?${encodeURIComponent("x' OR '1'='1")}=1`)).toEqual([]);
    expect(await names(`?q=${encodeURIComponent('" OR * NEAR(')}`)).toEqual([]);
    expect((await names('')).length).toBe(6);
  });

  it.each([
    ['?sort_key=name&sort_dir=asc', (xs: string[]) => [...xs].sort()],
    ['?sort=name:desc', (xs: string[]) => [...xs].sort().reverse()],
    ['?sort_key=created_at&sort_dir=asc', (xs: string[]) => xs],
  ])('sorts %s', async (qs, order) => {
    const inCreationOrder = SEEDS.filter((s) => !s.os_hidden).map((s) => s.name);
    expect(await names(qs)).toEqual(order(inCreationOrder));
  });

  it('defaults to created_at descending and supports several sort keys', async () => {
    const inCreationOrder = SEEDS.filter((s) => !s.os_hidden).map((s) => s.name);
    expect(await names('')).toEqual([...inCreationOrder].reverse());
    expect(await names('?sort=disk_format:asc,name:desc')).toEqual(['zeta', 'alpine-3.20', 'alpine-3.19', 'ubuntu-24.04', 'ubuntu-22.04', 'windows-2022']);
    expect(await names('?sort_key=disk_format&sort_key=size&sort_dir=asc&sort_dir=desc')).toEqual(['zeta', 'alpine-3.20', 'alpine-3.19', 'ubuntu-22.04', 'ubuntu-24.04', 'windows-2022']);
  });

  it.each(['name:asc', 'name:desc', 'size:asc', 'size:desc', 'created_at:desc', 'disk_format:asc,size:desc', 'status:asc,name:asc'])(
    'pages through every image exactly once with limit + marker (sort %s), NULLs included',
    async (sort) => {
      const whole = (await get(`?sort=${sort}&limit=1000`)).body.images.map((i: { id: string }) => i.id);
      const seen: string[] = [];
      let next: string | undefined = `/v2/images?sort=${sort}&limit=2`;
      let pages = 0;
      while (next) {
        const res = await r.call('GET', next, { token: ADMIN_TOKEN });
        expect(res.status).toBe(200);
        seen.push(...res.body.images.map((i: { id: string }) => i.id));
        expect(res.body.first).toBe(`/v2/images?sort=${encodeURIComponent(sort)}&limit=2`);
        next = res.body.next;
        if (next) expect(next).toContain(`sort=${encodeURIComponent(sort)}`);
        pages++;
      }
      expect(seen).toEqual(whole);
      expect(pages).toBe(Math.ceil(whole.length / 2));
    },
  );

  it('keeps filters in next links', async () => {
    const page1 = await get('?tag=linux&limit=1&sort=name:asc');
    expect(page1.body.next).toMatch(/tag=linux/);
    const page2 = await r.call('GET', page1.body.next, { token: ADMIN_TOKEN });
    expect(page2.body.images[0].name).toBe('alpine-3.20');
  });

  it('caps limit at 1000, takes limit=0, and defaults to 25', async () => {
    expect((await get('?limit=5000')).status).toBe(200);
    expect((await get('?limit=0')).body.images).toEqual([]);
    for (let i = 0; i < 26; i++) await r.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: { name: `bulk-${i}`, visibility: 'private' } });
    const page = await get('?visibility=private');
    expect(page.body.images).toHaveLength(25);
    expect(page.body.next).toBeDefined();
  });

  it.each([
    ['?limit=-1'],
    ['?limit=abc'],
    ['?marker=00000000-0000-0000-0000-000000000000'],
    ['?sort_key=bogus'],
    ['?sort=name:sideways'],
    ['?sort=name:asc&sort_key=size'],
    ['?sort_key=name&sort_dir=asc&sort_dir=desc'],
    ['?size_min=big'],
    ['?size_max=1.5'],
    ['?protected=maybe'],
    ['?created_at=gt:yesterday'],
    ['?status=bogus'],
    ['?visibility=everyone'],
    ['?member_status=sure'],
    ['?os_hidden=perhaps'],
    ['?name=a&name=b'],
    ['?name=in:"unclosed'],
  ])('400 for a bad list query %s', async (qs) => {
    const res = await get(qs);
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ code: 400, title: 'Bad Request' });
    expect(typeof res.body.message).toBe('string');
  });
});
