import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../helpers/registry.js';

const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };

/** Every error answer is JSON {code, title, message}: no HTML, no stack trace. */
function expectCleanError(res: { status: number; body: any; text: string; headers: Headers }, status: number) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.body).toMatchObject({ code: status, title: expect.any(String), message: expect.any(String) });
  expect(res.text).not.toMatch(/<html|\bat .*\.(ts|js):\d+|node_modules/i);
}

describe('registry: bad input gets a clear error with the right status and loses no data', () => {
  let r: TestRegistry;
  let id: string;
  beforeAll(async () => {
    r = await startTestRegistry();
    id = (await r.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: { name: 'keep-me', os_distro: 'cirros' } })).body.id;
  });
  afterAll(async () => r.close());

  const unchanged = async () => {
    const res = await r.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN });
    expect(res.body).toMatchObject({ name: 'keep-me', os_distro: 'cirros', status: 'queued' });
  };

  it('400 for malformed JSON on create and patch', async () => {
    expectCleanError(await r.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: '{"name": ' }), 400);
    expectCleanError(await r.call('PATCH', `/v2/images/${id}`, { token: ADMIN_TOKEN, headers: PATCH, body: '[{"op":' }), 400);
    await unchanged();
  });

  it.each([
    [{ name: 5 }],
    [{ name: 'x'.repeat(256) }],
    [{ min_disk: '5' }],
    [{ min_disk: -1 }],
    [{ protected: 'yes' }],
    [{ tags: 'a,b' }],
    [{ tags: [1] }],
    [{ visibility: 'everyone' }],
    [{ disk_format: 'floppy' }],
    [{ container_format: 'crate' }],
    [{ id: 'not-a-uuid' }],
    [{ custom: 42 }],
    [{ custom: { nested: true } }],
    [[1, 2]],
    ['"just a string"'],
  ])('400 for a create body with wrong types: %j', async (body) => {
    expectCleanError(await r.call('POST', '/v2/images', { token: ADMIN_TOKEN, body }), 400);
  });

  it.each([
    [[{ op: 'move', path: '/name', from: '/x' }]],
    [[{ op: 'replace', path: 'name', value: 'x' }]],
    [[{ op: 'replace', path: '/name' }]],
    [[{ op: 'replace', path: '/name', value: 7 }]],
    [[{ op: 'add', path: '/custom', value: 7 }]],
    [[{ op: 'replace', path: '/a/b', value: 'x' }]],
    [{ op: 'replace', path: '/name', value: 'x' }],
  ])('400 for a bad patch %j, and nothing changes', async (body) => {
    expectCleanError(await r.call('PATCH', `/v2/images/${id}`, { token: ADMIN_TOKEN, headers: PATCH, body }), 400);
    await unchanged();
  });

  it('a patch is all or nothing: a bad last operation keeps the first one from applying', async () => {
    const res = await r.call('PATCH', `/v2/images/${id}`, {
      token: ADMIN_TOKEN,
      headers: PATCH,
      body: [
        { op: 'replace', path: '/name', value: 'changed' },
        { op: 'replace', path: '/status', value: 'active' },
      ],
    });
    expectCleanError(res, 403);
    await unchanged();
  });

  it('415 for a PATCH in another media type', async () => {
    expectCleanError(await r.call('PATCH', `/v2/images/${id}`, { token: ADMIN_TOKEN, body: [{ op: 'replace', path: '/name', value: 'x' }] }), 415);
    expectCleanError(await r.call('PATCH', `/v2/images/${id}`, { token: ADMIN_TOKEN, headers: { 'content-type': 'text/plain' }, body: '[]' }), 415);
    await unchanged();
  });

  it('413 for a huge body', async () => {
    const huge = { name: 'big', blob: 'x'.repeat(2 * 1024 * 1024) };
    expectCleanError(await r.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: huge }), 413);
  });

  it('413 for too many properties or tags', async () => {
    const props: Record<string, string> = { name: 'many' };
    for (let i = 0; i < 200; i++) props[`p${i}`] = 'v';
    expectCleanError(await r.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: props }), 413);
    const tags = Array.from({ length: 200 }, (_, i) => `t${i}`);
    expectCleanError(await r.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: { name: 'many', tags } }), 413);
  });

  it('404 for unknown ids and routes', async () => {
    const unknown = '6a5a8a4e-0000-4000-8000-000000000000';
    expectCleanError(await r.call('GET', `/v2/images/${unknown}`, { token: ADMIN_TOKEN }), 404);
    expectCleanError(await r.call('GET', '/v2/images/not-even-a-uuid', { token: ADMIN_TOKEN }), 404);
    expectCleanError(await r.call('PATCH', `/v2/images/${unknown}`, { token: ADMIN_TOKEN, headers: PATCH, body: [] }), 404);
    expectCleanError(await r.call('DELETE', `/v2/images/${unknown}`, { token: ADMIN_TOKEN }), 404);
    expectCleanError(await r.call('PUT', `/v2/images/${unknown}/tags/x`, { token: ADMIN_TOKEN }), 404);
    expectCleanError(await r.call('POST', `/v2/images/${unknown}/actions/deactivate`, { token: ADMIN_TOKEN }), 404);
    expectCleanError(await r.call('GET', `/v2/images/${unknown}/members`, { token: ADMIN_TOKEN }), 404);
    expectCleanError(await r.call('GET', `/v2/images/${unknown}/torrent`, { token: ADMIN_TOKEN }), 404);
    expectCleanError(await r.call('GET', '/v2/nothing-here', { token: ADMIN_TOKEN }), 404);
  });

  it('409 for bad state changes', async () => {
    expectCleanError(await r.call('POST', `/v2/images/${id}/actions/deactivate`, { token: ADMIN_TOKEN }), 409);
    expectCleanError(await r.call('POST', `/v2/images/${id}/actions/reactivate`, { token: ADMIN_TOKEN }), 409);
    await unchanged();
  });

  it('401 for wrong tokens, on every kind of route', async () => {
    for (const [method, path] of [['GET', '/v2/images'], ['POST', '/v2/images'], ['GET', `/v2/images/${id}`], ['GET', '/p2p/v1/tokens'], ['GET', '/internal/v1/swarms']]) {
      expectCleanError(await r.call(method!, path!, { token: 'gp2p_wrong', ...(method === 'POST' ? { body: {} } : {}) }), 401);
    }
  });

  it('rejects bad token requests', async () => {
    expectCleanError(await r.call('POST', '/p2p/v1/tokens', { token: ADMIN_TOKEN, body: { user_id: 'u', project_id: 'p', roles: ['god'] } }), 400);
    expectCleanError(await r.call('POST', '/p2p/v1/tokens', { token: ADMIN_TOKEN, body: { user_id: '', project_id: 'p', roles: ['member'] } }), 400);
    expectCleanError(await r.call('POST', '/p2p/v1/tokens', { token: ADMIN_TOKEN, body: { user_id: 'u', project_id: 'p', roles: [] } }), 400);
    expectCleanError(await r.call('DELETE', '/p2p/v1/tokens/nope', { token: ADMIN_TOKEN }), 404);
  });
});
