import type { Dispatcher } from 'undici';
import { JsonClient } from '../core/http-client.js';
import type { ImageLocation } from '../core/image.js';
import type { IngestRecord, SwarmEntry } from '../core/internal-api.js';
import type { ImageView } from '../core/registry-client.js';

/** An image as the service role sees it: with locations. */
export type ServiceImage = ImageView & { locations: ImageLocation[]; p2p_piece_length: number | null };

/** Who asked, as the registry resolved their token. */
export interface Subject {
  user_id: string;
  project_id: string;
  roles: string[];
  admin: boolean;
  anonymous: boolean;
  can_modify: boolean;
}

/** An active image's swarm, as the registry lists them. */
export type SwarmInfo = SwarmEntry;

export type { IngestRecord };

/** Progress of a running ingest. */
export interface IngestProgress {
  method: string;
  bytes: number;
  total: number | null;
  rate: number;
  peers?: number;
}

/**
 * Teller's calls to its registry with the service token. Registry errors come back
 * typed (404 stays NotFound, 401 Unauthorized…) with the registry's own message,
 * so routes can pass them on to callers unchanged.
 */
export class RegistryGateway {
  private readonly http: JsonClient;

  constructor(
    readonly registryUrl: string,
    serviceToken: string,
    dispatcher?: Dispatcher,
  ) {
    this.http = new JsonClient(registryUrl, serviceToken, dispatcher, 30_000, false);
  }

  /** The image if the caller (by token, or anonymous) may read it, with what the caller may do. */
  access(id: string, subjectToken: string | undefined): Promise<{ image: ServiceImage; subject: Subject }> {
    return this.http.json('GET', `/internal/v1/images/${encodeURIComponent(id)}/access`, { headers: subjectToken ? { 'x-subject-token': subjectToken } : {} });
  }

  /** The image as the service sees it (for signed-URL requests and seeding). */
  image(id: string): Promise<ServiceImage> {
    return this.http.json('GET', `/internal/v1/images/${encodeURIComponent(id)}`);
  }

  /** Compare-and-set the status; ConflictError when it is not in `from`. */
  setStatus(id: string, to: string, from?: string[], reason?: string): Promise<ServiceImage> {
    return this.http.json('POST', `/internal/v1/images/${encodeURIComponent(id)}/status`, { body: { to, ...(from ? { from } : {}), ...(reason ? { reason: reason.slice(0, 2000) } : {}) } });
  }

  progress(id: string, progress: IngestProgress): Promise<void> {
    return this.http.json('PUT', `/internal/v1/images/${encodeURIComponent(id)}/progress`, { body: progress });
  }

  /** Record the stored bytes; the image becomes active. */
  recordData(id: string, record: IngestRecord): Promise<ServiceImage> {
    return this.http.json('PUT', `/internal/v1/images/${encodeURIComponent(id)}/data`, { body: record, timeoutMs: 120_000 });
  }

  /** Active swarms; with `since`, waits up to `waitS` seconds for a change. */
  swarms(since?: number, waitS = 0, signal?: AbortSignal): Promise<{ revision: number; swarms: SwarmInfo[] }> {
    const qs = since === undefined ? '' : `?since=${since}&wait=${waitS}`;
    return this.http.json('GET', `/internal/v1/swarms${qs}`, { timeoutMs: (waitS + 30) * 1000, ...(signal ? { signal } : {}) });
  }

  /** The torrent with the service's own passkey in its announce URLs (for seeding). */
  async torrent(id: string): Promise<Buffer> {
    const res = await this.http.request('GET', `/v2/images/${encodeURIComponent(id)}/torrent`, { headers: { accept: 'application/x-bittorrent' } });
    return Buffer.from(await res.arrayBuffer());
  }

  deletedImages(): Promise<{ deleted_images: Array<{ id: string; locations: ImageLocation[]; deleted_at: string }> }> {
    return this.http.json('GET', '/internal/v1/deleted-images');
  }

  purgeDeleted(id: string): Promise<void> {
    return this.http.json('DELETE', `/internal/v1/deleted-images/${encodeURIComponent(id)}`);
  }
}
