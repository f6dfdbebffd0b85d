import cliProgress from 'cli-progress';
import { NotFoundError } from '../core/errors.js';
import type { ImageView, RegistryClient } from '../core/registry-client.js';
import { ImportFailedError } from './import-failure.js';

/** Progress of an import as the registry shows it on the image. */
interface ImportProgress {
  bytes: number;
  total: number | null;
  rate: number;
  peers?: number;
}

const MB = 1e6;

/** Draws an import's progress: a bar on a terminal, JSON lines with --json, nothing otherwise. */
class ImportView {
  private bar: cliProgress.SingleBar | undefined;

  constructor(private readonly mode: 'bar' | 'json' | 'quiet') {}

  update(imageId: string, status: string, p: ImportProgress | null): void {
    if (this.mode === 'json') {
      process.stdout.write(`${JSON.stringify({ phase: status, image_id: imageId, bytes: p?.bytes ?? 0, total: p?.total ?? null, rate: p?.rate ?? 0, peers: p?.peers ?? null })}\n`);
      return;
    }
    if (this.mode !== 'bar' || !p) return;
    const total = p.total ?? Math.max(p.bytes, 1);
    this.bar ??= new cliProgress.SingleBar({ format: '{bar} {percentage}% | {done} MB | {rate} MB/s | {peers}', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
    const payload = { done: (p.bytes / MB).toFixed(1), rate: (p.rate / MB).toFixed(1), peers: p.peers === undefined ? '' : `${p.peers} peers` };
    if (!this.bar.isActive) this.bar.start(total, p.bytes, payload);
    this.bar.setTotal(total);
    this.bar.update(p.bytes, payload);
  }

  stop(): void {
    this.bar?.stop();
  }
}

/**
 * Follow an import until the image is active (returned) or killed (ImportFailedError
 * with Teller's reason). An image that disappears was deleted: the import was cancelled.
 */
export async function watchImport(client: RegistryClient, imageId: string, mode: 'bar' | 'json' | 'quiet', everyMs = 500): Promise<ImageView> {
  const view = new ImportView(mode);
  try {
    for (;;) {
      let image: ImageView;
      try {
        image = await client.get(imageId);
      } catch (err) {
        if (err instanceof NotFoundError || (err as { kind?: string }).kind === 'not_found') throw new ImportFailedError(imageId, 'cancelled: the image was deleted');
        throw err;
      }
      if (image.status === 'active') return image;
      if (image.status === 'killed') throw new ImportFailedError(imageId, (image.p2p_status_reason as string | null) ?? null);
      view.update(imageId, image.status, (image.p2p_progress as ImportProgress | null) ?? null);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  } finally {
    view.stop();
  }
}
