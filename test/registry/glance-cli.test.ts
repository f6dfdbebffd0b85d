import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glanceCli, tableValue } from '../helpers/glance-cli.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../helpers/registry.js';

describe('the real OpenStack client (python3-glanceclient) against Parallax', () => {
  let r: TestRegistry;
  let glance: ReturnType<typeof glanceCli>;
  beforeAll(async () => {
    r = await startTestRegistry();
    glance = glanceCli(r.url, ADMIN_TOKEN);
  });
  afterAll(async () => r.close());

  it('image-create, image-list, image-show, image-update --property, image-tag-update', async () => {
    const created = await glance(['image-create', '--name', 'x', '--disk-format', 'raw', '--container-format', 'bare']);
    expect(created.code, created.stderr).toBe(0);
    const id = tableValue(created.stdout, 'id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(tableValue(created.stdout, 'name')).toBe('x');
    expect(tableValue(created.stdout, 'status')).toBe('queued');
    expect(tableValue(created.stdout, 'disk_format')).toBe('raw');
    expect(tableValue(created.stdout, 'container_format')).toBe('bare');

    const list = await glance(['image-list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`\\|\\s*${id}\\s*\\|\\s*x\\s*\\|`));

    const updated = await glance(['image-update', '--property', 'k=v', id]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(tableValue(updated.stdout, 'k')).toBe('v');

    const tagged = await glance(['image-tag-update', id, 'gold']);
    expect(tagged.code, tagged.stderr).toBe(0);

    const shown = await glance(['image-show', id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(tableValue(shown.stdout, 'id')).toBe(id);
    expect(tableValue(shown.stdout, 'k')).toBe('v');
    expect(tableValue(shown.stdout, 'tags')).toContain('gold');
    expect(tableValue(shown.stdout, 'uri')).toBe(`${r.url}/v2/images/${id}`);

    // and the registry agrees
    const api = await r.call('GET', `/v2/images/${id}`, { token: ADMIN_TOKEN });
    expect(api.body).toMatchObject({ name: 'x', k: 'v', tags: ['gold'] });
  });

  it('lists more than one page (glanceclient follows next links)', async () => {
    for (let i = 0; i < 30; i++) await r.call('POST', '/v2/images', { token: ADMIN_TOKEN, body: { name: `many-${String(i).padStart(2, '0')}` } });
    const list = await glance(['image-list', '--page-size', '7']);
    expect(list.code, list.stderr).toBe(0);
    for (let i = 0; i < 30; i++) expect(list.stdout).toContain(`many-${String(i).padStart(2, '0')}`);
  });

  it('shows our errors readably', async () => {
    const missing = await glance(['image-show', '11111111-1111-4111-8111-111111111111']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/404/);
    expect(missing.stderr).toContain('No image found with ID 11111111-1111-4111-8111-111111111111');
    const denied = await glanceCli(r.url, 'wrong-token')(['image-list']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/401/);
  });
});
