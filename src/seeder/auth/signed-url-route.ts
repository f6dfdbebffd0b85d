import { Type } from '@sinclair/typebox';
import { ForbiddenError, InvalidInputError } from '../../core/errors.js';

const MAX_TTL_S = 7 * 24 * 3600;
import { requestToken } from '../../core/http/request-token.js';
import type { Service } from '../../core/http/service.js';
import { signFileGrant } from '../../core/signed-url.js';
import type { RegistryGateway } from '../registry-gateway.js';

/**
 * POST /p2p/v1/images/{id}/signed-url: a file URL that works without auth headers
 * until it expires, for web seeds and plain download tools. Only callers who may
 * read the image get one.
 */
export async function signedUrlRoutes(app: Service, deps: { gateway: RegistryGateway; urlSecret: string; publicUrl: () => string; defaultTtl: number; now: () => number }): Promise<void> {
  app.post(
    '/p2p/v1/images/:id/signed-url',
    {
      schema: {
        tags: ['data'],
        summary: 'A signed, expiring URL of the image file; optional JSON body {ttl_s}',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: Type.Object({ url: Type.String(), expires: Type.Integer(), expires_at: Type.String() }) },
      },
    },
    async (request) => {
      const { image, subject } = await deps.gateway.access(request.params.id, requestToken(request));
      if (image.status === 'deactivated' && !subject.admin) throw new ForbiddenError(`Image ${image.id} is deactivated`);
      const ttl = (request.body as { ttl_s?: unknown } | undefined)?.ttl_s ?? deps.defaultTtl;
      if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_S) throw new InvalidInputError(`ttl_s must be an integer from 1 to ${MAX_TTL_S}`);
      const expires = Math.floor(deps.now() / 1000) + ttl;
      const grant = signFileGrant(deps.urlSecret, image.id, expires);
      return { url: `${deps.publicUrl()}/v2/images/${image.id}/file?expires=${grant.expires}&sig=${grant.sig}`, expires, expires_at: new Date(expires * 1000).toISOString() };
    },
  );
}
