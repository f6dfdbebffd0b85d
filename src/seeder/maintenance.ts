import { fetch } from 'undici';
import type { Logger } from '../core/logger.js';
import type { StoreSet } from '../stores/index.js';
import { deleteChunks } from './ingest/store-image.js';
import type { RegistryGateway } from './registry-gateway.js';
import type { RegistryWatch } from './registry-watch.js';
import type { ImageReader } from './serve/image-reader.js';

/** What housekeeping needs. */
export interface MaintenanceDeps {
  watch: RegistryWatch;
  gateway: RegistryGateway;
  stores: StoreSet;
  reader: ImageReader;
  purgeUrls: string[];
  log: Logger;
}

/** Tell each HTTP cache in front of Teller to drop an image's file (Varnish/nginx PURGE). */
export async function purgeDownstream(purgeUrls: string[], imageId: string, log: Logger): Promise<void> {
  await Promise.all(
    purgeUrls.map(async (base) => {
      const url = `${base.replace(/\/+$/, '')}/v2/images/${imageId}/file`;
      try {
        const res = await fetch(url, { method: 'PURGE', headers: { 'surrogate-key': `image-${imageId}` }, signal: AbortSignal.timeout(10_000) });
        await res.body?.cancel();
        if (res.status >= 400 && res.status !== 404) log.warn({ url, status: res.status }, 'cache purge refused');
      } catch (err) {
        log.warn({ url, err }, 'cache purge failed');
      }
    }),
  );
}

/**
 * Reacts to the registry: an image that stops being active (deactivated, deleted)
 * leaves Teller's cache and every cache in front; a deleted image's chunks are removed
 * from the stores this Teller has, then its tombstone is cleared.
 */
export function startMaintenance(deps: MaintenanceDeps): void {
  const { watch, gateway, stores, reader, log } = deps;
  watch.on('removed', (swarm: { image_id: string; os_hash_value: string | null }) => {
    void reader.forget(swarm.image_id, swarm.os_hash_value);
    void purgeDownstream(deps.purgeUrls, swarm.image_id, log);
  });
  let collecting = false;
  const collect = async () => {
    if (collecting) return;
    collecting = true;
    try {
      const { deleted_images } = await gateway.deletedImages();
      const known = new Set(stores.ids());
      for (const tomb of deleted_images) {
        const here = tomb.locations.filter((l) => known.has(l.store));
        if (here.length === 0) continue;
        for (const location of here) await deleteChunks(stores.get(location.store), location);
        await gateway.purgeDeleted(tomb.id).catch(() => undefined);
        await purgeDownstream(deps.purgeUrls, tomb.id, log);
        log.info({ imageId: tomb.id }, 'deleted the chunks of a deleted image');
      }
    } catch (err) {
      log.warn({ err }, 'garbage collection of deleted images failed; will retry');
    } finally {
      collecting = false;
    }
  };
  watch.on('changed', () => void collect());
}
