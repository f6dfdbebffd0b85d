import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { ConflictError, GlanceError, InvalidInputError, isErrorKind } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ObjectStore, StoreSet } from '../../stores/index.js';
import type { SeederConfig } from '../config.js';
import type { SeederMetrics } from '../metrics.js';
import type { RegistryGateway, ServiceImage } from '../registry-gateway.js';
import { ImportCancelledError } from './import-cancelled.js';
import { deleteChunks, storeImage, type StoredImage } from './store-image.js';

/** How often a running ingest tells the registry how far it got. */
const PROGRESS_EVERY_MS = 500;

/** Where an ingest's bytes come from, opened once the image is marked saving/importing. */
export interface IngestSource {
  stream: Readable;
  /** Exact size when known: enforced, and it picks the piece length. */
  size?: number;
  /** Expected bytes for progress when the exact size is not known (a tar built on the fly). */
  total?: number;
  /** How a copy's bytes travel: over the source's swarm or over HTTP. */
  via?: 'swarm' | 'http';
  /** Properties to record with the data (a copy keeps its source's). */
  properties?: Record<string, string>;
  /** Name and formats for an image that has none yet (a copy takes its source's). */
  attributes?: { name?: string | null; disk_format?: string | null; container_format?: string | null };
  /** The SHA-256 the bytes must have (a copy from another registry). */
  expectedSha256?: string;
  originUri?: string;
  sourceInfohash?: string;
  /** Peers feeding the import, for progress (magnet). */
  peers?: () => number;
}

/** What a source may report while it is still being opened (a magnet looking for its metadata). */
export interface OpenHooks {
  /** Peers it is talking to, shown in the progress before the first byte. */
  peers(count: () => number): void;
}

/** One upload or import. */
export interface IngestJob {
  image: ServiceImage;
  /** upload, web-download, glance-download, magnet. */
  method: string;
  /** The status while it runs: saving (upload) or importing. */
  status: 'saving' | 'importing';
  storeId?: string;
  open: (signal: AbortSignal, hooks: OpenHooks) => Promise<IngestSource>;
  signal?: AbortSignal;
}

function peersOf(count: (() => number) | undefined): { peers?: number } {
  return count ? { peers: count() } : {};
}

/**
 * Runs ingests with Glance's states: queued → saving|importing → active, or killed
 * with a reason and no chunks left behind. Reports progress to the registry about
 * once a second, records the result, and emits 'ingested' (image id) so the seeder
 * starts seeding at once.
 */
export class IngestRunner extends EventEmitter {
  constructor(
    private readonly config: SeederConfig,
    private readonly gateway: RegistryGateway,
    private readonly stores: StoreSet,
    private readonly metrics: SeederMetrics,
    private readonly log: Logger,
  ) {
    super();
  }

  /** The store new images go to; a client naming an unknown store gets a 400. */
  store(storeId?: string): ObjectStore {
    const id = storeId ?? this.config.default_store ?? this.stores.ids()[0]!;
    if (!this.stores.ids().includes(id)) throw new InvalidInputError(`Unknown store ${JSON.stringify(id)} (configured: ${this.stores.ids().join(', ')})`);
    return this.stores.get(id);
  }

  /** Claim the image (409 unless it is queued), then store it; resolves with the active image. */
  async run(job: IngestJob): Promise<ServiceImage> {
    return (await this.start(job)).done;
  }

  /**
   * Claim the image now (409 unless it is queued) and store it in the background:
   * an import answers 202 once it is claimed, and its progress shows on the image.
   */
  async start(job: IngestJob): Promise<{ done: Promise<ServiceImage> }> {
    const store = this.store(job.storeId);
    try {
      await this.gateway.setStatus(job.image.id, job.status, ['queued']);
    } catch (err) {
      if (err instanceof GlanceError && err.kind === 'conflict') throw new ConflictError(`Image ${job.image.id} is ${(err.details?.status as string) ?? 'not queued'}: data can only be added to a queued image`);
      throw err;
    }
    return { done: this.process(job, store) };
  }

  private async process(job: IngestJob, store: ObjectStore): Promise<ServiceImage> {
    const abort = new AbortController();
    job.signal?.addEventListener('abort', () => abort.abort(job.signal!.reason), { once: true });
    let stored: StoredImage | undefined;
    let bytes = 0;
    let source: IngestSource | undefined;
    let openingPeers: (() => number) | undefined;
    const started = Date.now();
    const ticker = setInterval(() => {
      const seconds = (Date.now() - started) / 1000;
      void this.gateway
        .progress(job.image.id, { method: job.method, bytes, total: source?.size ?? source?.total ?? null, rate: Math.round(bytes / Math.max(seconds, 0.001)), ...peersOf(source?.peers ?? openingPeers) })
        .catch((err: unknown) => {
          // The registry no longer takes progress: the image was deleted (how an admin cancels) or moved on.
          if (isErrorKind(err, 'not_found') || isErrorKind(err, 'conflict')) abort.abort(new ImportCancelledError(`Cancelled: image ${job.image.id} was deleted or changed status while its data was being added`));
        });
    }, PROGRESS_EVERY_MS);
    try {
      source = await job.open(abort.signal, { peers: (count) => (openingPeers = count) });
      stored = await storeImage(store, {
        imageId: job.image.id,
        name: job.image.name,
        source: source.stream,
        ...(source.size !== undefined ? { size: source.size } : {}),
        maxBytes: this.config.ingest.max_image_bytes,
        chunkSize: this.config.ingest.chunk_size,
        keyPrefix: this.config.ingest.key_prefix,
        md5: this.config.ingest.md5_checksum,
        signal: abort.signal,
        onBytes: (n) => (bytes = n),
      });
      if (source.expectedSha256 && stored.sha256 !== source.expectedSha256) {
        throw new GlanceError('bad_gateway', `The copied bytes hash to ${stored.sha256}, the source image says ${source.expectedSha256}`);
      }
      const image = await this.gateway.recordData(job.image.id, {
        size: stored.size,
        checksum: stored.md5,
        os_hash_algo: 'sha256',
        os_hash_value: stored.sha256,
        locations: [stored.location],
        torrent: stored.torrent.toString('base64'),
        p2p_infohash: stored.infohash,
        p2p_piece_length: stored.pieceLength,
        ...(source.sourceInfohash ? { p2p_source_infohash: source.sourceInfohash } : {}),
        ...(source.originUri ? { p2p_origin_uri: source.originUri } : {}),
        ...(source.properties ? { properties: source.properties } : {}),
        ...(source.attributes ? { attributes: source.attributes } : {}),
      });
      this.metrics.ingestBytes.inc({ method: job.method }, stored.size);
      this.metrics.ingests.inc({ method: job.method, outcome: 'active' });
      this.log.info({ imageId: image.id, method: job.method, bytes: stored.size, seconds: (Date.now() - started) / 1000 }, 'image ingested');
      this.emit('ingested', image.id);
      return image;
    } catch (thrown) {
      // a cancel shows up downstream as an aborted read or write: report the cancel itself
      const err = abort.signal.reason instanceof ImportCancelledError ? abort.signal.reason : thrown;
      abort.abort(err);
      source?.stream.destroy();
      if (stored) await deleteChunks(store, stored.location).catch((e) => this.log.error({ err: e }, 'could not delete chunks of a failed ingest'));
      const reason = (err as Error).message ?? String(err);
      await this.gateway.setStatus(job.image.id, 'killed', [job.status], reason).catch((e) => this.log.warn({ err: e }, 'could not mark the image killed'));
      this.metrics.ingests.inc({ method: job.method, outcome: 'killed' });
      this.log.warn({ imageId: job.image.id, method: job.method, reason }, 'ingest failed; image killed');
      throw err;
    } finally {
      clearInterval(ticker);
    }
  }
}
