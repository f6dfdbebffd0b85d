import type { SwarmEntry } from '../../core/internal-api.js';
import type { ImageRepository } from '../images/image-repository.js';

export type { SwarmEntry };

/** The list of swarms of active images, read in two queries. */
export function activeSwarms(repo: ImageRepository): SwarmEntry[] {
  const rows = repo.selectRows({ sql: "SELECT * FROM images i WHERE i.status = 'active' AND i.p2p_infohash IS NOT NULL ORDER BY i.seq", params: [] });
  const members = repo.acceptedMembers(rows.filter((r) => r.visibility === 'shared').map((r) => r.id));
  return rows.map((r) => ({
    image_id: r.id,
    infohash: r.p2p_infohash!,
    visibility: r.visibility,
    owner: r.owner,
    members: members.get(r.id) ?? [],
    size: r.size,
    os_hash_value: r.os_hash_value,
    updated_at: r.updated_at,
  }));
}

/** Resolve once the revision moves past `since`, or after `waitMs`. */
export function waitForRevision(repo: ImageRepository, since: number, waitMs: number, signal?: AbortSignal): Promise<number> {
  if (repo.revision !== since || waitMs <= 0) return Promise.resolve(repo.revision);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      repo.changes.off('revision', done);
      signal?.removeEventListener('abort', done);
      resolve(repo.revision);
    };
    const timer = setTimeout(done, waitMs);
    repo.changes.on('revision', done);
    signal?.addEventListener('abort', done);
  });
}
