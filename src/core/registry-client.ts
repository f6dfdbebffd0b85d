import type { Dispatcher } from 'undici';
import { JsonClient } from './http-client.js';

/** An image as the API shows it (custom properties included). */
export type ImageView = Record<string, unknown> & {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  owner: string | null;
  size: number | null;
  disk_format: string | null;
  container_format: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  checksum: string | null;
  tags: string[];
  uri: string;
  p2p_infohash: string | null;
  p2p_piece_length: number | null;
  created_at: string;
  updated_at: string;
};

/** One JSON patch operation in Glance's form. */
export interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  path: string;
  value?: unknown;
}

/** A page of images. */
export interface ImageList {
  images: ImageView[];
  next?: string;
  first: string;
}

/** Client for a registry's public API (images, tags, members, tokens, torrents). */
export class RegistryClient extends JsonClient {
  constructor(baseUrl: string, token?: string, dispatcher?: Dispatcher) {
    super(baseUrl, token, dispatcher);
  }

  /** One page, with the query given as parameters. */
  listPage(query: URLSearchParams | Record<string, string> = {}): Promise<ImageList> {
    const qs = new URLSearchParams(query as Record<string, string>).toString();
    return this.json('GET', `/v2/images${qs ? `?${qs}` : ''}`);
  }

  /** Every image matching the query, following `next` links up to `max`. */
  async listAll(query: URLSearchParams | Record<string, string> = {}, max = Infinity): Promise<ImageView[]> {
    const out: ImageView[] = [];
    let page = await this.listPage(query);
    out.push(...page.images);
    while (page.next && out.length < max) {
      page = await this.json('GET', page.next);
      out.push(...page.images);
    }
    return out.slice(0, max);
  }

  get(id: string): Promise<ImageView> {
    return this.json('GET', `/v2/images/${encodeURIComponent(id)}`);
  }

  create(body: Record<string, unknown>): Promise<ImageView> {
    return this.json('POST', '/v2/images', { body });
  }

  patch(id: string, ops: PatchOperation[]): Promise<ImageView> {
    return this.json('PATCH', `/v2/images/${encodeURIComponent(id)}`, { body: ops, contentType: 'application/openstack-images-v2.1-json-patch' });
  }

  delete(id: string): Promise<void> {
    return this.json('DELETE', `/v2/images/${encodeURIComponent(id)}`);
  }

  addTag(id: string, tag: string): Promise<void> {
    return this.json('PUT', `/v2/images/${encodeURIComponent(id)}/tags/${encodeURIComponent(tag)}`);
  }

  removeTag(id: string, tag: string): Promise<void> {
    return this.json('DELETE', `/v2/images/${encodeURIComponent(id)}/tags/${encodeURIComponent(tag)}`);
  }

  /** The image's .torrent with this caller's passkey in it. */
  async torrent(id: string): Promise<Buffer> {
    const res = await this.request('GET', `/v2/images/${encodeURIComponent(id)}/torrent`, { headers: { accept: 'application/x-bittorrent' } });
    return Buffer.from(await res.arrayBuffer());
  }

  createToken(body: { user_id: string; project_id: string; roles: string[]; description?: string; expires_at?: string }): Promise<Record<string, unknown> & { token: string; id: string }> {
    return this.json('POST', '/p2p/v1/tokens', { body });
  }

  listTokens(): Promise<{ tokens: Array<Record<string, unknown>> }> {
    return this.json('GET', '/p2p/v1/tokens');
  }

  revokeToken(id: string): Promise<void> {
    return this.json('DELETE', `/p2p/v1/tokens/${encodeURIComponent(id)}`);
  }

  whoami(): Promise<{ user_id: string; project_id: string; roles: string[]; admin: boolean; passkey: string | null }> {
    return this.json('GET', '/p2p/v1/whoami');
  }
}
