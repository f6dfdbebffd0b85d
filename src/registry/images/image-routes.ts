import { Type } from '@sinclair/typebox';
import { UnsupportedMediaTypeError } from '../../core/errors.js';
import type { Service } from '../../core/http/service.js';
import type { ImageService } from './image-service.js';
import { IMAGE_RESPONSE_SCHEMA } from './image-schema.js';
import { imageView } from './image-view.js';
import { JSON_PATCH_TYPES } from './json-patch.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const TagParams = Type.Object({ id: Type.String({ maxLength: 64 }), tag: Type.String() });
const ListQuerySchema = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]), {
  description: 'Filters (name, status, visibility, owner, tag, disk_format, container_format, size_min, size_max, protected, created_at, updated_at, any custom property; values may be `op:value` with eq, neq, gt, gte, lt, lte or in:a,b), sort (sort_key/sort_dir or sort=k:dir,…), paging (limit, marker) and q= full-text search',
});
const ListResponse = {
  type: 'object',
  properties: {
    images: { type: 'array', items: IMAGE_RESPONSE_SCHEMA },
    first: { type: 'string' },
    next: { type: 'string' },
    schema: { type: 'string' },
  },
} as const;
const CreateBody = {
  type: 'object',
  description: 'Base attributes and custom string properties; read-only attributes are refused with 403',
  properties: {
    id: { type: 'string' },
    name: { type: ['string', 'null'] },
    visibility: { type: 'string' },
    protected: { type: 'boolean' },
    os_hidden: { type: 'boolean' },
    disk_format: { type: ['string', 'null'] },
    container_format: { type: ['string', 'null'] },
    min_disk: { type: 'integer' },
    min_ram: { type: 'integer' },
    tags: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: true,
} as const;

/** The query string with `marker` replaced, for `next` links that keep every filter. */
function pageLink(query: Record<string, string | string[] | undefined>, marker?: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (k === 'marker' || v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, item);
  }
  if (marker) params.set('marker', marker);
  const qs = params.toString();
  return `/v2/images${qs ? `?${qs}` : ''}`;
}

/** The OpenStack Image API v2 image routes: list, create, show, patch, delete, tags, actions. */
export async function imageRoutes(app: Service, opts: { images: ImageService }): Promise<void> {
  const { images } = opts;
  const tags = ['images'];

  app.get('/v2/images', { schema: { tags, summary: 'List images', querystring: ListQuerySchema, response: { 200: ListResponse } } }, async (request) => {
    const query = request.query as Record<string, string | string[] | undefined>;
    const page = images.list(request.principal, query);
    const ctx = images.viewContext(request.principal);
    return {
      images: page.images.map((i) => imageView(i, ctx)),
      first: pageLink(query),
      ...(page.nextMarker ? { next: pageLink(query, page.nextMarker) } : {}),
      schema: '/v2/schemas/images',
    };
  });

  app.post('/v2/images', { schema: { tags, summary: 'Create an image (status queued)', body: CreateBody, response: { 201: IMAGE_RESPONSE_SCHEMA } } }, async (request, reply) => {
    const image = images.create(request.principal, request.body);
    void reply.code(201).header('location', `/v2/images/${image.id}`);
    return images.view(image, request.principal);
  });

  app.get('/v2/images/:id', { schema: { tags, summary: 'Show an image', params: IdParams, response: { 200: IMAGE_RESPONSE_SCHEMA } } }, async (request) =>
    images.view(images.get(request.principal, request.params.id), request.principal),
  );

  app.patch(
    '/v2/images/:id',
    {
      schema: {
        tags,
        summary: `Update an image with a JSON patch (${JSON_PATCH_TYPES[0]})`,
        params: IdParams,
        body: { type: 'array', items: { type: 'object' } },
        response: { 200: IMAGE_RESPONSE_SCHEMA },
      },
      preValidation: async (request) => {
        const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (!JSON_PATCH_TYPES.includes(type)) {
          throw new UnsupportedMediaTypeError(`Unsupported Content-Type '${type}': use ${JSON_PATCH_TYPES[0]}`);
        }
      },
    },
    async (request) => images.view(images.patch(request.principal, request.params.id, request.body), request.principal),
  );

  await app.register(bodilessRoutes, { images });
}

/**
 * Routes that take no body. Clients send them with whatever Content-Type their
 * HTTP library defaults to (glanceclient: application/octet-stream), so this
 * context accepts and ignores any body instead of answering 415.
 */
async function bodilessRoutes(app: Service, opts: { images: ImageService }): Promise<void> {
  const { images } = opts;
  const tags = ['images'];
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => {
    payload.resume();
    payload.on('end', () => done(null, undefined));
    payload.on('error', done);
  });

  app.delete('/v2/images/:id', { schema: { tags, summary: 'Delete an image (403 when protected)', params: IdParams } }, async (request, reply) => {
    images.delete(request.principal, request.params.id);
    void reply.code(204);
  });

  app.put('/v2/images/:id/tags/:tag', { schema: { tags, summary: 'Add a tag', params: TagParams } }, async (request, reply) => {
    images.addTag(request.principal, request.params.id, request.params.tag);
    void reply.code(204);
  });

  app.delete('/v2/images/:id/tags/:tag', { schema: { tags, summary: 'Remove a tag', params: TagParams } }, async (request, reply) => {
    images.removeTag(request.principal, request.params.id, request.params.tag);
    void reply.code(204);
  });

  app.post('/v2/images/:id/actions/deactivate', { schema: { tags, summary: 'Deactivate an active image', params: IdParams } }, async (request, reply) => {
    images.deactivate(request.principal, request.params.id);
    void reply.code(204);
  });

  app.post('/v2/images/:id/actions/reactivate', { schema: { tags, summary: 'Reactivate a deactivated image', params: IdParams } }, async (request, reply) => {
    images.reactivate(request.principal, request.params.id);
    void reply.code(204);
  });
}
