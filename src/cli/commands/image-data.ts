import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { fetch } from 'undici';
import { IntegrityFailure } from '../../core/errors.js';
import { errorFromResponse } from '../../core/http-client.js';
import { RateMeter } from '../../agent-peer/progress.js';
import { addClientOptions, type ClientFlags } from '../client-options.js';
import { ProgressView } from '../progress-view.js';
import { clientFor } from './image.js';

/** Counts bytes through a stream and reports progress about twice a second. */
function meter(imageId: string, total: number, view: ProgressView): Transform {
  let bytes = 0;
  let last = 0;
  const rates = new RateMeter();
  return new Transform({
    transform(data: Buffer, _enc, done) {
      bytes += data.length;
      const now = Date.now();
      if (now - last > 500 || bytes === total) {
        last = now;
        const rate = rates.update(bytes, now);
        view.update({ phase: 'downloading', image_id: imageId, bytes, total, rate, peers: 0, swarm_bytes: 0, http_bytes: bytes, eta_s: rate > 0 ? Math.round((total - bytes) / rate) : null });
      }
      done(null, data);
    },
  });
}

/** `glance-p2p image upload|download`: image data over plain HTTP through the front door, with progress. */
export function imageDataCommands(image: Command): void {
  addClientOptions(image.command('upload').description('upload a file as the data of a queued image (Teller stores it in chunks and seeds it)').argument('<id|uri>').argument('<file>'))
    .option('--store <id>', 'store to put it in (default: Teller\'s default store)')
    .action(async (idOrUri: string, file: string, flags: ClientFlags & { store?: string }) => {
      const { client, id } = clientFor(flags, idOrUri);
      const size = (await stat(file)).size;
      const view = new ProgressView(flags.json ? 'json' : process.stderr.isTTY ? 'bar' : 'quiet');
      const body = createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(meter(id, size, view));
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(size) };
      if (client.token) headers['x-auth-token'] = client.token;
      if (flags.store) headers['x-image-meta-store'] = flags.store;
      const res = await fetch(`${client.baseUrl}/v2/images/${id}/file`, { method: 'PUT', headers, body, duplex: 'half', ...(client.dispatcher ? { dispatcher: client.dispatcher } : {}) });
      view.stop();
      if (!res.ok) throw await errorFromResponse(res, 'upload');
      const after = await client.get(id);
      if (flags.json) process.stdout.write(`${JSON.stringify({ phase: 'done', ...after })}\n`);
      else process.stdout.write(`${id} ${after.status} ${after.size} bytes, sha256 ${after.os_hash_value}\n`);
    });

  addClientOptions(image.command('download').description('download an image\'s data over plain HTTP and check its SHA-256 (for the swarm, use `glance-p2p fetch`)').argument('<id|uri>'))
    .requiredOption('-o, --output <file>', 'where to write it')
    .action(async (idOrUri: string, flags: ClientFlags & { output: string }) => {
      const { client, id } = clientFor(flags, idOrUri);
      const meta = await client.get(id);
      const res = await client.request('GET', `/v2/images/${id}/file`, { headers: { accept: 'application/octet-stream' }, timeoutMs: 24 * 3600 * 1000 });
      const view = new ProgressView(flags.json ? 'json' : process.stderr.isTTY ? 'bar' : 'quiet');
      const hash = createHash('sha256');
      const tap = new Transform({
        transform(data: Buffer, _enc, done) {
          hash.update(data);
          done(null, data);
        },
      });
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), meter(id, meta.size ?? 0, view), tap, createWriteStream(flags.output));
      const sha256 = hash.digest('hex');
      if (meta.os_hash_value && sha256 !== meta.os_hash_value) throw new IntegrityFailure(`Downloaded bytes hash to ${sha256}, the registry says ${meta.os_hash_value}`);
      view.done({ path: flags.output, image_id: id, sha256, size: meta.size ?? 0 });
    });
}
