import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../../core/errors.js';
import { requestToken } from '../../core/http/request-token.js';
import { checkFileGrant } from '../../core/signed-url.js';
import type { RegistryGateway, ServiceImage } from '../registry-gateway.js';

/** A caller allowed to read an image's bytes, and how they proved it. */
export interface ReadGrant {
  image: ServiceImage;
  admin: boolean;
  via: 'token' | 'anonymous' | 'signed-url';
}

/**
 * Who may read this image's file: a signed, expiring URL (`?expires=&sig=`, for web
 * seeds and download tools that send no headers) or the caller's token, checked by
 * the registry in one round trip. Deactivated images are for admins only.
 */
export async function authorizeRead(request: FastifyRequest, id: string, gateway: RegistryGateway, urlSecret: string, nowSeconds: number): Promise<ReadGrant> {
  const query = request.query as Record<string, string | undefined>;
  let grant: ReadGrant;
  if (query.sig !== undefined || query.expires !== undefined) {
    const refusal = checkFileGrant(urlSecret, id, query.expires, query.sig, nowSeconds);
    if (refusal) throw new ForbiddenError(`Signed URL refused: ${refusal}`);
    grant = { image: await gateway.image(id), admin: false, via: 'signed-url' };
  } else {
    const token = requestToken(request);
    const { image, subject } = await gateway.access(id, token);
    grant = { image, admin: subject.admin, via: subject.anonymous ? 'anonymous' : 'token' };
  }
  if (grant.image.status === 'deactivated' && !grant.admin) throw new ForbiddenError(`Image ${id} is deactivated`);
  return grant;
}
