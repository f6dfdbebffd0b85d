import { Type } from '@sinclair/typebox';
import { ConflictError, InvalidInputError, NotFoundError, UnauthorizedError } from '../../core/errors.js';
import type { Service } from '../../core/http/service.js';
import { CONTAINER_FORMATS, DISK_FORMATS, IMAGE_STATUSES, type ImageStatus } from '../../core/image.js';
import { ANONYMOUS, isAdmin, isAnonymous } from '../../core/principal.js';
import { assertCanModify } from '../auth/image-access.js';
import { requireService } from '../auth/auth-hook.js';
import type { TokenStore } from '../auth/token-store.js';
import type { ImageService } from '../images/image-service.js';
import { storedTime, type Clock } from '../images/time.js';
import type { IngestRecord } from '../../core/internal-api.js';
import { validateIngestReport } from './ingest-record.js';
import { activeSwarms, waitForRevision } from './swarm-directory.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const StatusSchema = Type.Union(IMAGE_STATUSES.map((s) => Type.Literal(s)));

/** Status moves the service role may make; `active` only comes with an ingest report. */
const TRANSITIONS: Record<string, readonly ImageStatus[]> = {
  saving: ['queued'],
  importing: ['queued'],
  killed: ['queued', 'saving', 'importing', 'uploading'],
  queued: ['saving', 'importing'],
};

const ChunkSchema = Type.Object({
  url: Type.String({ minLength: 1 }),
  offset: Type.Integer({ minimum: 0 }),
  size: Type.Integer({ minimum: 0 }),
  etag: Type.String(),
  sha256: Type.String(),
});
const IngestSchema = Type.Object(
  {
    size: Type.Integer({ minimum: 0 }),
    checksum: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    os_hash_algo: Type.String(),
    os_hash_value: Type.String(),
    virtual_size: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    locations: Type.Array(Type.Object({ store: Type.String({ minLength: 1 }), chunks: Type.Array(ChunkSchema) })),
    torrent: Type.String({ minLength: 1 }),
    p2p_infohash: Type.String(),
    p2p_piece_length: Type.Integer({ minimum: 16384 }),
    p2p_source_infohash: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    p2p_origin_uri: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    properties: Type.Optional(Type.Record(Type.String(), Type.String())),
    attributes: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
          disk_format: Type.Optional(Type.Union([Type.Union(DISK_FORMATS.map((f) => Type.Literal(f))), Type.Null()])),
          container_format: Type.Optional(Type.Union([Type.Union(CONTAINER_FORMATS.map((f) => Type.Literal(f))), Type.Null()])),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * Calls for Teller and the tracker (service role): check a caller's access and get
 * locations in one round trip, move statuses, record an ingest, list swarms
 * (long-polled on the change revision) and hand out deleted images' chunks.
 */
export async function internalRoutes(app: Service, opts: { images: ImageService; tokens: TokenStore; clock: Clock; ingestBodyLimit: number; allowAnonymous: boolean }): Promise<void> {
  const { images, tokens, clock } = opts;
  const repo = images.repo;
  const tags = ['internal'];
  app.addHook('onRequest', async (request) => {
    requireService(request);
  });

  app.get('/internal/v1/images/:id', { schema: { tags, summary: 'An image as the service sees it (with locations), whoever owns it', params: IdParams } }, async (request) =>
    images.view(images.get(request.principal, request.params.id), request.principal),
  );

  app.get(
    '/internal/v1/images/:id/access',
    { schema: { tags, summary: 'May the X-Subject-Token caller read (and change) this image? With locations.', params: IdParams } },
    async (request) => {
      const subjectToken = request.headers['x-subject-token'];
      let subject = ANONYMOUS;
      if (typeof subjectToken === 'string' && subjectToken) {
        const found = tokens.authenticate(subjectToken);
        if (!found) throw new UnauthorizedError('The token is not valid or has expired');
        subject = found;
      } else if (!opts.allowAnonymous) throw new UnauthorizedError();
      const image = images.get(subject, request.params.id);
      let canModify = true;
      try {
        assertCanModify(subject, image);
      } catch {
        canModify = false;
      }
      return {
        image: images.view(image, request.principal),
        subject: { user_id: subject.userId, project_id: subject.projectId, roles: subject.roles, admin: isAdmin(subject), anonymous: isAnonymous(subject), can_modify: canModify && !isAnonymous(subject) },
      };
    },
  );

  app.post(
    '/internal/v1/images/:id/status',
    { schema: { tags, summary: 'Compare-and-set an image status', params: IdParams, body: Type.Object({ to: StatusSchema, from: Type.Optional(Type.Array(StatusSchema)), reason: Type.Optional(Type.String({ maxLength: 2000 })) }) } },
    async (request) => {
      const { to, reason } = request.body;
      const allowed = TRANSITIONS[to];
      if (!allowed) throw new InvalidInputError(`The service cannot move an image to ${to}`);
      const from = request.body.from ? request.body.from.filter((s) => allowed.includes(s)) : allowed;
      const image = repo.get(request.params.id);
      if (!image) throw new NotFoundError(`No image found with ID ${request.params.id}`);
      const columns = { status: to, p2p_status_reason: reason ?? null, ...(to === 'killed' || to === 'queued' ? { p2p_progress: null } : {}) };
      const updated = repo.updateIfStatus(image.id, from, { columns });
      if (!updated) throw new ConflictError(`Image ${image.id} is ${image.status}; cannot move it to ${to}`, { status: image.status });
      return images.view(updated, request.principal);
    },
  );

  app.put(
    '/internal/v1/images/:id/progress',
    {
      schema: {
        tags,
        summary: 'Record the progress of an upload or import',
        params: IdParams,
        body: Type.Object({ method: Type.String(), bytes: Type.Integer({ minimum: 0 }), total: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]), rate: Type.Number({ minimum: 0 }), peers: Type.Optional(Type.Integer({ minimum: 0 })) }),
      },
    },
    async (request, reply) => {
      const image = repo.updateIfStatus(request.params.id, ['saving', 'importing'], { columns: { p2p_progress: { ...request.body, updated_at: storedTime(clock()) } } });
      if (!image) throw new ConflictError('The image is not being uploaded or imported');
      void reply.code(204);
    },
  );

  app.put(
    '/internal/v1/images/:id/data',
    { bodyLimit: opts.ingestBodyLimit, schema: { tags, summary: 'Record what Teller ingested; the image becomes active', params: IdParams, body: IngestSchema } },
    async (request) => {
      const report = request.body as IngestRecord;
      const { torrent, infohash } = validateIngestReport(report);
      const current = repo.get(request.params.id);
      // a copy's name and formats fill in only what the target image left empty
      const fill: Record<string, unknown> = {};
      for (const key of ['name', 'disk_format', 'container_format'] as const) {
        const value = report.attributes?.[key];
        if (current && current[key] === null && value) fill[key] = value;
      }
      const other = repo.selectRows({ sql: 'SELECT * FROM images i WHERE i.p2p_infohash = ? AND i.id != ?', params: [infohash, request.params.id] });
      if (other.length > 0) throw new ConflictError(`Another image (${other[0]!.id}) already has infohash ${infohash}`);
      const updated = repo.updateIfStatus(request.params.id, ['saving', 'importing'], {
        columns: {
          ...fill,
          status: 'active',
          size: report.size,
          checksum: report.checksum ?? null,
          os_hash_algo: report.os_hash_algo,
          os_hash_value: report.os_hash_value,
          virtual_size: report.virtual_size ?? null,
          locations: report.locations,
          p2p_infohash: infohash,
          p2p_piece_length: report.p2p_piece_length,
          p2p_source_infohash: report.p2p_source_infohash ?? null,
          p2p_origin_uri: report.p2p_origin_uri ?? null,
          p2p_progress: null,
          p2p_status_reason: null,
        },
        torrent,
        ...(report.properties ? { setProperties: report.properties } : {}),
      });
      if (!updated) {
        const image = repo.get(request.params.id);
        if (!image) throw new NotFoundError(`No image found with ID ${request.params.id}`);
        throw new ConflictError(`Image ${image.id} is ${image.status}, not saving or importing`, { status: image.status });
      }
      return images.view(updated, request.principal);
    },
  );

  app.get(
    '/internal/v1/swarms',
    { schema: { tags, summary: 'Swarms of active images; long-polls with since= and wait= (seconds)', querystring: Type.Object({ since: Type.Optional(Type.String({ pattern: '^\\d{1,15}$' })), wait: Type.Optional(Type.String({ pattern: '^\\d{1,3}$' })) }) } },
    async (request, reply) => {
      if (request.query.since !== undefined) {
        const controller = new AbortController();
        reply.raw.once('close', () => controller.abort());
        await waitForRevision(repo, Number(request.query.since), Math.min(Number(request.query.wait ?? 0), 120) * 1000, controller.signal);
      }
      return { revision: repo.revision, swarms: activeSwarms(repo) };
    },
  );

  app.get('/internal/v1/deleted-images', { schema: { tags, summary: 'Deleted images whose chunks are still in a store' } }, async () => ({ deleted_images: repo.deletedImages() }));

  app.delete('/internal/v1/deleted-images/:id', { schema: { tags, summary: 'Forget a deleted image once its chunks are gone', params: IdParams } }, async (request, reply) => {
    if (!repo.purgeDeleted(request.params.id)) throw new NotFoundError(`No deleted image ${request.params.id}`);
    void reply.code(204);
  });
}
