import type { FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../../core/errors.js';
import { ANONYMOUS, isAdmin, isAnonymous, isService, type Principal } from '../../core/principal.js';
import type { Service } from '../../core/http/service.js';
import type { TokenStore } from './token-store.js';
import { requestToken } from '../../core/http/request-token.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; ANONYMOUS when no token was sent. */
    principal: Principal;
  }
}

/**
 * Resolve every request's principal. A wrong token is always 401 (never silently
 * anonymous); no token is anonymous when the registry allows it or the route is open.
 */
export function installAuth(app: Service, tokens: TokenStore, allowAnonymous: boolean): void {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request) => {
    const token = requestToken(request);
    if (token === undefined) {
      if (!allowAnonymous && !request.routeOptions.config?.open) throw new UnauthorizedError();
      request.principal = ANONYMOUS;
      return;
    }
    const principal = tokens.authenticate(token);
    if (!principal) throw new UnauthorizedError('The token is not valid or has expired');
    request.principal = principal;
  });
}

/** 401 for anonymous callers. */
export function requireUser(request: FastifyRequest): Principal {
  if (isAnonymous(request.principal)) throw new UnauthorizedError();
  return request.principal;
}

/** 401/403 unless the caller is an admin. */
export function requireAdmin(request: FastifyRequest): Principal {
  const p = requireUser(request);
  if (!isAdmin(p)) throw new ForbiddenError('This needs the admin role');
  return p;
}

/** 401/403 unless the caller has the service (or admin) role. */
export function requireService(request: FastifyRequest): Principal {
  const p = requireUser(request);
  if (!isService(p)) throw new ForbiddenError('This needs the service role');
  return p;
}
