import { randomBytes } from 'node:crypto';
import { ADMIN_TOKEN } from './registry.js';
import type { TestTeller } from './teller.js';

/** Create an image through Teller and upload `data` (or `size` random bytes); returns id and bytes. */
export async function uploadImage(t: TestTeller, opts: { data?: Buffer; size?: number; token?: string; body?: Record<string, unknown> } = {}): Promise<{ id: string; data: Buffer }> {
  const data = opts.data ?? randomBytes(opts.size ?? 5 * 1024 * 1024 + 321);
  const token = opts.token ?? ADMIN_TOKEN;
  const created = await t.call('POST', '/v2/images', { token, body: { name: 'test-image', disk_format: 'raw', container_format: 'bare', ...opts.body } });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${created.text}`);
  const up = await t.call('PUT', `/v2/images/${created.body.id}/file`, { token, body: data });
  if (up.status !== 204) throw new Error(`upload: ${up.status} ${up.text}`);
  return { id: created.body.id, data };
}

/** GET a URL and return status, headers and the whole body, or the error when the connection is cut. */
export async function download(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer; cut?: Error }> {
  const res = await fetch(url, { headers });
  try {
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  } catch (err) {
    return { status: res.status, headers: res.headers, body: Buffer.alloc(0), cut: err as Error };
  }
}
