import { randomBytes, randomUUID } from 'node:crypto';
import bencode from 'bencode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPasskey } from '../../src/core/passkey.js';
import { ingestReportFor } from '../helpers/ingest-report.js';
import { ADMIN_TOKEN, SERVICE_TOKEN, TRACKER_SECRET, startTestRegistry, type TestRegistry } from '../helpers/registry.js';

const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };

describe('registry: image lifecycle through the real HTTP API', () => {
  let r: TestRegistry;
  let alice: string;
  beforeAll(async () => {
    r = await startTestRegistry();
    alice = await r.token('alice', 'proj-a', ['member']);
  });
  afterAll(async () => r.close());

  it('answers /versions, / and the schemas', async () => {
    const versions = await r.call('GET', '/versions');
    expect(versions.status).toBe(200);
    expect(versions.body.versions[0]).toMatchObject({ status: 'CURRENT' });
    expect((await r.call('GET', '/')).status).toBe(300);
    const schema = await r.call('GET', '/v2/schemas/image');
    expect(schema.status).toBe(200);
    expect(schema.body.properties.status.readOnly).toBe(true);
    expect(schema.body.properties).not.toHaveProperty('stores');
    expect(schema.body.properties).toHaveProperty('p2p_infohash');
    expect(schema.body.additionalProperties).toEqual({ type: 'string' });
    for (const name of ['images', 'member', 'members']) expect((await r.call('GET', `/v2/schemas/${name}`)).status).toBe(200);
  });

  it('serves an OpenAPI document generated from the route schemas at /docs', async () => {
    const doc = await r.call('GET', '/docs/json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v2/images', '/v2/images/{id}', '/v2/images/{id}/torrent', '/v2/images/{id}/members']));
    expect((await r.call('GET', '/docs')).status).toBeLessThan(400);
  });

  it('creates (201 + Location), shows, patches and deletes', async () => {
    const created = await r.call('POST', '/v2/images', { token: alice, body: { name: 'ubuntu', disk_format: 'qcow2', container_format: 'bare', tags: ['lts'], os_distro: 'ubuntu' } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.headers.get('location')).toBe(`/v2/images/${id}`);
    expect(created.body).toMatchObject({ status: 'queued', visibility: 'shared', owner: 'proj-a', os_distro: 'ubuntu', tags: ['lts'], uri: `${r.url}/v2/images/${id}` });
    expect(created.body).not.toHaveProperty('locations');
    expect(created.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const patched = await r.call('PATCH', `/v2/images/${id}`, {
      token: alice,
      headers: PATCH,
      body: [
        { op: 'replace', path: '/name', value: 'ubuntu-24.04' },
        { op: 'add', path: '/os_version', value: '24.04' },
        { op: 'remove', path: '/os_distro' },
        { op: 'replace', path: '/tags', value: ['lts', 'noble'] },
        { op: 'replace', path: '/min_disk', value: 10 },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'ubuntu-24.04', os_version: '24.04', tags: ['lts', 'noble'], min_disk: 10 });
    expect(patched.body).not.toHaveProperty('os_distro');

    const shown = await r.call('GET', `/v2/images/${id}`, { token: alice });
    expect(shown.body).toMatchObject({ name: 'ubuntu-24.04', os_version: '24.04' });

    expect((await r.call('DELETE', `/v2/images/${id}`, { token: alice })).status).toBe(204);
    expect((await r.call('GET', `/v2/images/${id}`, { token: alice })).status).toBe(404);
    expect((await r.call('DELETE', `/v2/images/${id}`, { token: alice })).status).toBe(404);
  });

  it('accepts a client-chosen id once (409 the second time)', async () => {
    const id = randomUUID();
    expect((await r.call('POST', '/v2/images', { token: alice, body: { id, name: 'a' } })).status).toBe(201);
    const again = await r.call('POST', '/v2/images', { token: alice, body: { id, name: 'b' } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 409, title: 'Conflict' });
  });

  it('refuses read-only attributes with 403 on create and patch, and a missing property with 409', async () => {
    const ro = await r.call('POST', '/v2/images', { token: alice, body: { name: 'x', status: 'active' } });
    expect(ro.status).toBe(403);
    expect(ro.body.message).toMatch(/status.*read-only/);
    const id = (await r.call('POST', '/v2/images', { token: alice, body: { name: 'x' } })).body.id;
    for (const path of ['/status', '/size', '/checksum', '/os_hash_value', '/created_at', '/p2p_infohash', '/id', '/locations']) {
      const res = await r.call('PATCH', `/v2/images/${id}`, { token: alice, headers: PATCH, body: [{ op: 'replace', path, value: 'x' }] });
      expect(res.status, path).toBe(403);
    }
    const missing = await r.call('PATCH', `/v2/images/${id}`, { token: alice, headers: PATCH, body: [{ op: 'replace', path: '/nope', value: 'x' }] });
    expect(missing.status).toBe(409);
    const removeMissing = await r.call('PATCH', `/v2/images/${id}`, { token: alice, headers: PATCH, body: [{ op: 'remove', path: '/nope' }] });
    expect(removeMissing.status).toBe(409);
    // nothing changed by the refused patches
    expect((await r.call('GET', `/v2/images/${id}`, { token: alice })).body).toMatchObject({ status: 'queued', name: 'x' });
  });

  it('protects protected images from deletion (403) until unprotected', async () => {
    const id = (await r.call('POST', '/v2/images', { token: alice, body: { name: 'p', protected: true } })).body.id;
    const del = await r.call('DELETE', `/v2/images/${id}`, { token: alice });
    expect(del.status).toBe(403);
    expect((await r.call('GET', `/v2/images/${id}`, { token: alice })).status).toBe(200);
    await r.call('PATCH', `/v2/images/${id}`, { token: alice, headers: PATCH, body: [{ op: 'replace', path: '/protected', value: false }] });
    expect((await r.call('DELETE', `/v2/images/${id}`, { token: alice })).status).toBe(204);
  });

  it('adds and removes tags (404 for a tag that is not there)', async () => {
    const id = (await r.call('POST', '/v2/images', { token: alice, body: { name: 't' } })).body.id;
    expect((await r.call('PUT', `/v2/images/${id}/tags/blue`, { token: alice, headers: { 'content-type': 'application/octet-stream' } })).status).toBe(204);
    expect((await r.call('PUT', `/v2/images/${id}/tags/blue`, { token: alice })).status).toBe(204);
    expect((await r.call('GET', `/v2/images/${id}`, { token: alice })).body.tags).toEqual(['blue']);
    expect((await r.call('DELETE', `/v2/images/${id}/tags/blue`, { token: alice })).status).toBe(204);
    expect((await r.call('DELETE', `/v2/images/${id}/tags/blue`, { token: alice })).status).toBe(404);
  });

  it('records an ingest (service role only), then serves the torrent with the caller\'s passkey, and deactivates/reactivates', async () => {
    const id = (await r.call('POST', '/v2/images', { token: alice, body: { name: 'seeded', disk_format: 'raw', container_format: 'bare' } })).body.id;
    const data = randomBytes(100_000);
    const report = ingestReportFor(data, 'seeded');
    // deactivate before active: bad state change
    expect((await r.call('POST', `/v2/images/${id}/actions/deactivate`, { token: alice })).status).toBe(409);
    // a member cannot use the internal API
    expect((await r.call('POST', `/internal/v1/images/${id}/status`, { token: alice, body: { to: 'saving' } })).status).toBe(403);
    // data before saving: conflict
    expect((await r.call('PUT', `/internal/v1/images/${id}/data`, { token: SERVICE_TOKEN, body: report })).status).toBe(409);
    expect((await r.call('POST', `/internal/v1/images/${id}/status`, { token: SERVICE_TOKEN, body: { to: 'saving', from: ['queued'] } })).status).toBe(200);
    expect((await r.call('POST', `/internal/v1/images/${id}/status`, { token: SERVICE_TOKEN, body: { to: 'saving', from: ['queued'] } })).status).toBe(409);
    expect((await r.call('PUT', `/internal/v1/images/${id}/progress`, { token: SERVICE_TOKEN, body: { method: 'upload', bytes: 10, total: 100, rate: 5 } })).status).toBe(204);
    expect((await r.call('GET', `/v2/images/${id}`, { token: alice })).body.p2p_progress).toMatchObject({ bytes: 10, total: 100 });
    // a report whose torrent does not match its infohash is refused
    const forged = { ...report, p2p_infohash: 'a'.repeat(40) };
    expect((await r.call('PUT', `/internal/v1/images/${id}/data`, { token: SERVICE_TOKEN, body: forged })).status).toBe(400);
    const done = await r.call('PUT', `/internal/v1/images/${id}/data`, { token: SERVICE_TOKEN, body: report });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'active', size: data.length, os_hash_algo: 'sha256', os_hash_value: report.os_hash_value, p2p_infohash: report.p2p_infohash });
    expect(done.body.locations[0].chunks).toHaveLength(1);

    const asAlice = await r.call('GET', `/v2/images/${id}`, { token: alice });
    expect(asAlice.body).not.toHaveProperty('locations');
    expect(asAlice.body.p2p_magnet).toContain(`xt=urn:btih:${report.p2p_infohash}`);
    const asAdmin = await r.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN });
    expect(asAdmin.body.locations).toEqual(report.locations);

    const torrentRes = await fetch(`${r.url}/v2/images/${id}/torrent`, { headers: { 'x-auth-token': alice } });
    expect(torrentRes.status).toBe(200);
    expect(torrentRes.headers.get('content-type')).toBe('application/x-bittorrent');
    const meta = bencode.decode(new Uint8Array(await torrentRes.arrayBuffer()));
    const announce = Buffer.from(meta.announce).toString();
    const passkey = new URL(announce).searchParams.get('passkey')!;
    expect(verifyPasskey(TRACKER_SECRET, passkey)).toEqual({ userId: 'alice', projectId: 'proj-a', admin: false });
    expect(meta.info.private).toBe(1);

    expect((await r.call('POST', `/v2/images/${id}/actions/deactivate`, { token: alice })).status).toBe(204);
    expect((await r.call('GET', `/v2/images/${id}`, { token: alice })).body.status).toBe('deactivated');
    expect((await r.call('GET', `/v2/images/${id}/torrent`, { token: alice })).status).toBe(403);
    expect((await r.call('POST', `/v2/images/${id}/actions/reactivate`, { token: alice })).status).toBe(204);
    expect((await r.call('GET', `/v2/images/${id}`, { token: alice })).body.status).toBe('active');

    // the tracker's view lists the active swarm
    const swarms = await r.call('GET', '/internal/v1/swarms', { token: SERVICE_TOKEN });
    expect(swarms.body.swarms.map((s: { infohash: string }) => s.infohash)).toContain(report.p2p_infohash);
    // deleting an image with data leaves a tombstone for Teller
    expect((await r.call('DELETE', `/v2/images/${id}`, { token: alice })).status).toBe(204);
    const tomb = await r.call('GET', '/internal/v1/deleted-images', { token: SERVICE_TOKEN });
    expect(tomb.body.deleted_images.map((d: { id: string }) => d.id)).toContain(id);
    expect((await r.call('DELETE', `/internal/v1/deleted-images/${id}`, { token: SERVICE_TOKEN })).status).toBe(204);
  });

  it('long-polls the swarm list until something changes', async () => {
    const first = await r.call('GET', '/internal/v1/swarms', { token: SERVICE_TOKEN });
    const waiting = r.call('GET', `/internal/v1/swarms?since=${first.body.revision}&wait=30`, { token: SERVICE_TOKEN });
    await new Promise((res) => setTimeout(res, 100));
    await r.call('POST', '/v2/images', { token: alice, body: { name: 'wake' } });
    const woke = await waiting;
    expect(woke.body.revision).toBeGreaterThan(first.body.revision);
  });

  it('checks a caller\'s access for Teller in one call (X-Subject-Token)', async () => {
    const id = (await r.call('POST', '/v2/images', { token: alice, body: { name: 'priv', visibility: 'private' } })).body.id;
    const bob = await r.token('bob', 'proj-b', ['member']);
    const ok = await r.call('GET', `/internal/v1/images/${id}/access`, { token: SERVICE_TOKEN, headers: { 'x-subject-token': alice } });
    expect(ok.status).toBe(200);
    expect(ok.body.subject).toMatchObject({ user_id: 'alice', project_id: 'proj-a', admin: false, can_modify: true });
    const reader = await r.token('rita', 'proj-a', ['reader']);
    expect((await r.call('GET', `/internal/v1/images/${id}/access`, { token: SERVICE_TOKEN, headers: { 'x-subject-token': reader } })).body.subject.can_modify).toBe(false);
    // the service itself reads any image, with locations
    const asService = await r.call('GET', `/internal/v1/images/${id}`, { token: SERVICE_TOKEN });
    expect(asService.status).toBe(200);
    expect(asService.body).toHaveProperty('locations');
    expect((await r.call('GET', `/internal/v1/images/${id}`, { token: alice })).status).toBe(403);
    expect(ok.body.image).toHaveProperty('locations');
    expect((await r.call('GET', `/internal/v1/images/${id}/access`, { token: SERVICE_TOKEN, headers: { 'x-subject-token': bob } })).status).toBe(404);
    expect((await r.call('GET', `/internal/v1/images/${id}/access`, { token: SERVICE_TOKEN })).status).toBe(404);
    expect((await r.call('GET', `/internal/v1/images/${id}/access`, { token: SERVICE_TOKEN, headers: { 'x-subject-token': 'forged' } })).status).toBe(401);
  });

  it('issues, lists and revokes tokens; only hashes are stored', async () => {
    const created = await r.call('POST', '/p2p/v1/tokens', { token: ADMIN_TOKEN, body: { user_id: 'carol', project_id: 'proj-c', roles: ['reader'] } });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    expect((await r.call('GET', '/p2p/v1/whoami', { token })).body).toMatchObject({ user_id: 'carol', roles: ['reader'] });
    const listed = await r.call('GET', '/p2p/v1/tokens', { token: ADMIN_TOKEN });
    expect(JSON.stringify(listed.body)).not.toContain(token);
    const rows = r.registry.db.prepare('SELECT token_hash FROM tokens').all() as Array<{ token_hash: string }>;
    expect(rows.every((row) => row.token_hash !== token && /^[0-9a-f]{64}$/.test(row.token_hash))).toBe(true);
    expect((await r.call('POST', '/p2p/v1/tokens', { token: alice, body: { user_id: 'x', project_id: 'y', roles: ['admin'] } })).status).toBe(403);
    expect((await r.call('DELETE', `/p2p/v1/tokens/${created.body.id}`, { token: ADMIN_TOKEN })).status).toBe(204);
    expect((await r.call('GET', '/p2p/v1/whoami', { token })).status).toBe(401);
  });

  it('exposes /healthz and /metrics', async () => {
    expect((await r.call('GET', '/healthz')).body).toMatchObject({ status: 'ok', database: 'ok' });
    const metrics = await r.call('GET', '/metrics');
    expect(metrics.text).toContain('glance_p2p_http_request_duration_seconds');
  });
});
