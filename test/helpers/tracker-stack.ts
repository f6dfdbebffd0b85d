import { resolveTrackerConfig, createTracker, type Tracker, type TrackerAddress } from '../../src/tracker/index.js';
import { ingestReportFor } from './ingest-report.js';
import { ADMIN_TOKEN, SERVICE_TOKEN, TRACKER_SECRET, startTestRegistry, type TestRegistry } from './registry.js';
import { testLogger } from './logger.js';

/** An image made active in the test registry, with what a BitTorrent test needs of it. */
export interface TestImage {
  id: string;
  infohash: string;
  data: Buffer;
  /** The torrent as `token`'s caller gets it from the registry (announce URLs carry that caller's passkey). */
  torrentFor(token: string): Promise<Buffer>;
}

/** A real registry and a real tracker on 127.0.0.1 (HTTP and UDP on one free port), wired to each other. */
export interface TrackerStack {
  registry: TestRegistry;
  tracker: Tracker;
  address: TrackerAddress;
  /** Create an image owned by `token`'s project, ingest `data` and make it active. */
  activeImage(options: { token: string; data: Buffer; visibility?: string; name?: string; pieceLength?: number }): Promise<TestImage>;
  /** The registry's swarm-list revision now; `tracker.whenSwarmList(rev)` waits for the tracker to have it. */
  registryRevision(): Promise<number>;
  /** Wait until the tracker uses the registry's current swarm list. */
  synced(): Promise<void>;
  /** The passkey the registry hands to the holder of `token`. */
  passkeyOf(token: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Start the tracker first (to learn its port), then a registry whose torrents
 * announce to it over HTTP and UDP, then point the tracker at the registry.
 */
export async function startTrackerStack(options: { tracker?: Record<string, unknown>; now?: () => number; registry?: Record<string, unknown> } = {}): Promise<TrackerStack> {
  const config = resolveTrackerConfig({ host: '127.0.0.1', port: 0, service_token: SERVICE_TOKEN, tracker_secret: TRACKER_SECRET, ...options.tracker });
  const tracker = createTracker(config, testLogger(), options.now ? { now: options.now } : {});
  const address = await tracker.listen();
  let registry: TestRegistry;
  try {
    registry = await startTestRegistry({ trackers: [{ announce: address.announceTemplates }], ...options.registry });
    await tracker.start({ registryUrl: registry.url });
  } catch (err) {
    await tracker.close();
    throw err;
  }
  const registryRevision = async () => (await registry.call('GET', '/internal/v1/swarms', { token: SERVICE_TOKEN })).body.revision as number;
  return {
    registry,
    tracker,
    address,
    async activeImage({ token, data, visibility = 'private', name = 'image', pieceLength = 16384 }) {
      const created = await registry.call('POST', '/v2/images', { token, body: { name, disk_format: 'raw', container_format: 'bare', visibility } });
      if (created.status !== 201) throw new Error(`image create failed: ${created.status} ${created.text}`);
      const id = created.body.id as string;
      const report = ingestReportFor(data, name, pieceLength);
      const saving = await registry.call('POST', `/internal/v1/images/${id}/status`, { token: SERVICE_TOKEN, body: { to: 'saving' } });
      if (saving.status !== 200) throw new Error(`status change failed: ${saving.status} ${saving.text}`);
      const put = await registry.call('PUT', `/internal/v1/images/${id}/data`, { token: SERVICE_TOKEN, body: report });
      if (put.status !== 200) throw new Error(`ingest failed: ${put.status} ${put.text}`);
      return {
        id,
        infohash: report.p2p_infohash,
        data,
        async torrentFor(reader: string) {
          const res = await fetch(`${registry.url}/v2/images/${id}/torrent`, { headers: { 'x-auth-token': reader } });
          if (res.status !== 200) throw new Error(`torrent fetch failed: ${res.status} ${await res.text()}`);
          return Buffer.from(await res.arrayBuffer());
        },
      };
    },
    registryRevision,
    async synced() {
      await tracker.whenSwarmList(await registryRevision());
    },
    async passkeyOf(token: string) {
      const who = await registry.call('GET', '/p2p/v1/whoami', { token });
      if (who.status !== 200) throw new Error(`whoami failed: ${who.status} ${who.text}`);
      return who.body.passkey as string;
    },
    async close() {
      await tracker.close();
      await registry.close();
    },
  };
}

export { ADMIN_TOKEN, SERVICE_TOKEN, TRACKER_SECRET };
