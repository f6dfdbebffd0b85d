import type { IncomingMessage } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError, InvalidInputError, TooLargeError, UnauthorizedError } from '../../core/errors.js';
import { requestToken } from '../../core/http/request-token.js';
import type { Service } from '../../core/http/service.js';
import type { Logger } from '../../core/logger.js';
import type { RegistryDirectory } from '../../core/registry-directory.js';
import type { SeederConfig } from '../config.js';
import type { RegistryGateway, ServiceImage, Subject } from '../registry-gateway.js';
import type { ImportSwarm } from '../import-swarm/import-swarm.js';
import { parseImageUri } from '../../core/image-uri.js';
import { openGlanceDownload } from './glance-download.js';
import type { IngestRunner, IngestSource, OpenHooks } from './ingest-runner.js';
import { stallGuard } from './stall-guard.js';
import { checkImportUrl, openHttpSource } from './web-download.js';
import { WebDownloadGuard } from './web-download-guard.js';

/** Who asked for an import and into which image: methods may refuse callers (magnet: admins only) or read the image. */
export interface ImportContext {
  admin: boolean;
  image: ServiceImage;
}

/** An import method: checks its parameters (and the caller) up front, then opens its source in the background. */
export type ImportMethod = (params: Record<string, unknown>, context: ImportContext) => ImportOpener | Promise<ImportOpener>;

/** Opens an import's source in the background. */
type ImportOpener = (signal: AbortSignal, hooks: OpenHooks) => Promise<IngestSource>;

/** What the ingest routes need. */
export interface IngestRouteDeps {
  config: SeederConfig;
  gateway: RegistryGateway;
  runner: IngestRunner;
  registries: RegistryDirectory;
  log: Logger;
  /** More import methods (magnet) by name. */
  methods?: Record<string, ImportMethod>;
  /** The swarm client copies use to pull from the source's swarm (HTTP only without it). */
  swarm?: ImportSwarm;
}

/** The image and its caller if the caller may change it: 401 without a token, 403 without the right. */
async function writable(request: FastifyRequest, id: string, gateway: RegistryGateway): Promise<{ image: ServiceImage; subject: Subject }> {
  const token = requestToken(request);
  if (!token) throw new UnauthorizedError();
  const { image, subject } = await gateway.access(id, token);
  if (!subject.can_modify) throw new ForbiddenError('You are not permitted to add data to this image');
  return { image, subject };
}

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** PUT /v2/images/{id}/file (upload) and POST /v2/images/{id}/import (web-download, glance-download, …). */
export async function ingestRoutes(app: Service, deps: IngestRouteDeps): Promise<void> {
  const { config, gateway, runner, registries } = deps;
  const stall = config.ingest.stall_timeout_ms;
  const guard = new WebDownloadGuard(config.ingest.web_download);
  const methods: Record<string, ImportMethod> = {
    'web-download': async (params, context) => {
      const url = checkImportUrl(params.uri);
      const guarded = guard.binds(context.admin) ? guard : undefined;
      await guarded?.check(url); // a refused URL is a 400 now, not a killed image later
      return async (signal) => withStall(await openHttpSource(url, signal, {}, undefined, guarded), stall, `web-download of ${url.origin}`);
    },
    'glance-download': (params, context) => {
      const uri = params.uri ?? params.image_uri;
      if (typeof uri !== 'string') throw new InvalidInputError('glance-download needs "uri": the image URI on the other registry');
      // a tenant copies only from registries the operator configured (any URL would let it make Teller fetch from anywhere)
      // and reads there as nobody: the token configured for a registry is the operator's, and would show it other projects' images
      const { registryUrl } = parseImageUri(uri);
      const tenant = guard.binds(context.admin);
      if (tenant && !registries.configured(registryUrl)) throw new InvalidInputError(`glance-download from ${new URL(registryUrl).origin} is not allowed: it is not one of seeder.registries`);
      // over the swarm the stall check is the swarm's own (bytes arrive out of order)
      return async (signal) => {
        const source = await openGlanceDownload(uri, registries, signal, deps.swarm ? { swarm: deps.swarm, log: deps.log, stallMs: stall } : undefined, tenant);
        return source.via === 'swarm' ? source : withStall(source, stall, 'glance-download');
      };
    },
    ...deps.methods,
  };
  methods['registry-copy'] = methods['glance-download']!;

  await app.register(async (instance) => {
    const raw = instance as unknown as Service;
    // The body is the image itself: hand the request stream to the ingest untouched.
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    raw.put('/v2/images/:id/file', { schema: { tags: ['data'], summary: 'Upload image data (queued images only; X-Image-Meta-Store picks the store); 204 when stored', params: IdParams } }, async (request, reply) => {
      const { image } = await writable(request, request.params.id, gateway);
      const length = request.headers['content-length'];
      const size = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
      if (size !== undefined && size > config.ingest.max_image_bytes) {
        void reply.header('connection', 'close');
        throw new TooLargeError(`The image is ${size} bytes; the limit is ${config.ingest.max_image_bytes}`);
      }
      // Glance's multi-store header picks the store; the default store otherwise.
      const storeHeader = request.headers['x-image-meta-store'];
      const storeId = typeof storeHeader === 'string' && storeHeader ? storeHeader : undefined;
      if (storeId !== undefined) runner.store(storeId);
      const body = request.body as IncomingMessage;
      await runner.run({ image, method: 'upload', status: 'saving', ...(storeId !== undefined ? { storeId } : {}), open: async () => ({ stream: body, ...(size !== undefined ? { size } : {}) }) });
      return reply.code(204).send();
    });
  });

  app.post(
    '/v2/images/:id/import',
    {
      schema: {
        tags: ['data'],
        summary: 'Import image data in the background (202); progress shows on the image',
        params: IdParams,
        body: Type.Object({
          method: Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: true }),
          store: Type.Optional(Type.String()),
          stores: Type.Optional(Type.Array(Type.String())),
        }),
      },
    },
    async (request, reply) => {
      const { method } = request.body;
      const make = methods[method.name];
      if (!make) throw new InvalidInputError(`Unknown import method ${JSON.stringify(method.name)} (supported: ${Object.keys(methods).join(', ')})`);
      const { image, subject } = await writable(request, request.params.id, gateway);
      const open = await make(method as Record<string, unknown>, { admin: subject.admin, image });
      const storeId = request.body.store ?? request.body.stores?.[0];
      if (storeId !== undefined) runner.store(storeId);
      const { done } = await runner.start({ image, method: method.name, status: 'importing', open, ...(storeId !== undefined ? { storeId } : {}) });
      done.catch(() => undefined);
      return reply.code(202).send();
    },
  );
}

function withStall(source: IngestSource, ms: number, what: string): IngestSource {
  return { ...source, stream: pipeline(source.stream, stallGuard(ms, what), () => undefined) as unknown as Readable };
}
