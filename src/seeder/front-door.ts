import replyFrom from '@fastify/reply-from';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Service } from '../core/http/service.js';

/**
 * Teller as the one Glance endpoint: every metadata call (`/versions`, `/v2/images…`,
 * `/v2/schemas…`, `/p2p/v1/…`) goes to the registry untouched — body as a raw stream,
 * the caller's token and Host kept (so the registry's links name the front door) —
 * while Teller's own routes (file, import, signed URLs) are matched first.
 */
export async function frontDoor(app: Service, opts: { registryUrl: string }): Promise<void> {
  await app.register(async (instance) => {
    const proxy = instance as unknown as Service;
    await proxy.register(replyFrom, { base: opts.registryUrl, undici: { connections: 64, pipelining: 1 } });
    proxy.removeAllContentTypeParsers();
    proxy.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    const forward = (request: FastifyRequest, reply: FastifyReply) =>
      reply.from(request.url, {
        rewriteRequestHeaders: (_req, headers) => ({ ...headers, 'x-forwarded-host': String(request.headers.host ?? ''), 'x-forwarded-proto': request.protocol }),
      });
    const hide = { schema: { hide: true } };
    for (const path of ['/versions', '/v2/*', '/p2p/v1/*']) proxy.all(path, hide, forward);
    proxy.get('/', hide, forward);
  });
}
