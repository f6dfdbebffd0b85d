import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError } from '../../core/errors.js';
import type { Service } from '../../core/http/service.js';
import { authorizeRead, type ReadGrant } from '../auth/read-access.js';
import type { SeederMetrics } from '../metrics.js';
import type { RegistryGateway } from '../registry-gateway.js';
import type { ImageReader } from './image-reader.js';
import { once } from 'node:events';
import { sendFromFill } from '../cache/fill-sender.js';
import { sendFileRange } from './file-sender.js';
import { parseRange } from './range.js';

/** What the file route needs. */
export interface FileRouteDeps {
  gateway: RegistryGateway;
  reader: ImageReader;
  metrics: SeederMetrics;
  urlSecret: string;
  now: () => number;
  /** Told of every image whose bytes are asked for (seeding ranks images by it). */
  onDemand?: (imageId: string) => void;
}

/**
 * Headers that let a cache in front (Varnish, nginx) keep what is safe to share:
 * bytes anyone may read anonymously are public; anything a token or signed URL
 * unlocked is private. Surrogate-Key names the image for targeted purges.
 */
function cacheHeaders(grant: ReadGrant): Record<string, string> {
  const shared = grant.via === 'anonymous' && grant.image.status === 'active';
  return {
    'cache-control': shared ? 'public, max-age=3600' : 'private, max-age=3600',
    'surrogate-key': `image-${grant.image.id}`,
  };
}

/** GET and HEAD /v2/images/{id}/file: the seed's verified, cached streaming. */
export async function fileRoutes(app: Service, deps: FileRouteDeps): Promise<void> {
  const schema = {
    tags: ['data'],
    summary: 'Image bytes: verified against the registry, cached, Range supported; token or signed URL (?expires=&sig=)',
    params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
    querystring: Type.Object({ expires: Type.Optional(Type.String()), sig: Type.Optional(Type.String()) }),
  };
  const handler = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const grant = await authorizeRead(request, request.params.id, deps.gateway, deps.urlSecret, Math.floor(deps.now() / 1000));
    const image = grant.image;
    if (image.status === 'queued') return reply.code(204).send();
    if (image.status !== 'active' && image.status !== 'deactivated') throw new ConflictError(`Image ${image.id} has no data to serve (status ${image.status})`);
    deps.onDemand?.(image.id);
    const layout = await deps.reader.layout(image);
    const etag = `"${layout.sha256}"`;
    // The image's headers (cacheable, with its ETag) go only on answers that carry it: an error
    // thrown below (416, 502) must not look like something a cache in front may keep.
    const common = { 'accept-ranges': 'bytes', etag, 'content-type': 'application/octet-stream', ...cacheHeaders(grant) };
    if (request.headers['if-none-match'] === etag) return reply.code(304).headers(common).send();
    // Range is defined for GET only (RFC 9110 §14.2), and If-Range with another validator asks for the whole image.
    const ifRange = request.headers['if-range'];
    const range = request.method === 'GET' && (ifRange === undefined || ifRange === etag) ? parseRange(request.headers.range, layout.size) : undefined;
    const span = range ?? { start: 0, end: layout.size };
    const supply = request.method === 'HEAD' || layout.size === 0 ? undefined : await deps.reader.open(layout, span);
    if (!supply) await deps.reader.check(layout, span);
    else if (supply.source === 'fill' && supply.fill.verified <= span.start) {
      // nothing verified to send yet: a fill that fails before its first piece is a clean 502
      await Promise.race([once(supply.fill, 'progress'), once(supply.fill, 'committed'), once(supply.fill, 'failed')]);
      if (supply.fill.state === 'failed') throw supply.fill.error;
    }
    void reply.headers(common).header('content-length', String(span.end - span.start));
    if (range) void reply.code(206).header('content-range', `bytes ${range.start}-${range.end - 1}/${layout.size}`);
    else if (layout.md5) void reply.header('content-md5', layout.md5);
    if (!supply) return reply.send();
    const { source } = supply;
    // Count what really left (cut and aborted responses included) from the socket's own counter.
    const socket = reply.raw.socket;
    const before = socket?.bytesWritten ?? 0;
    reply.raw.once('close', () => {
      deps.metrics.servedBytes.inc({ source }, Math.max(0, (socket?.bytesWritten ?? before) - before));
      deps.metrics.requests.inc({ source, outcome: reply.raw.writableFinished ? 'complete' : 'cut' });
    });
    if (supply.source === 'store') return reply.send(supply.stream);
    // Cache file or running fill: write it ourselves with reused buffers (near sendfile speed).
    reply.hijack();
    const res = reply.raw;
    res.writeHead(reply.statusCode, reply.getHeaders() as Record<string, string>);
    try {
      if (supply.source === 'cache') await sendFileRange(res, supply.path, span.start, span.end);
      else await sendFromFill(res, supply.fill, span.start, span.end);
      res.end();
    } catch (err) {
      request.log.warn({ err }, 'image bytes failed mid-response; cutting it');
      res.destroy();
    }
  };
  app.get('/v2/images/:id/file', { schema, exposeHeadRoute: false }, handler);
  app.head('/v2/images/:id/file', { schema }, handler);
}
