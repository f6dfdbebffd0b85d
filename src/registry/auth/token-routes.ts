import { Type } from '@sinclair/typebox';
import { NotFoundError } from '../../core/errors.js';
import type { Service } from '../../core/http/service.js';
import { ROLES, isAdmin, type Role } from '../../core/principal.js';
import type { TrackerDirectory } from '../torrent/tracker-directory.js';
import { requireAdmin } from './auth-hook.js';
import type { TokenStore } from './token-store.js';

const TokenInfo = Type.Object({
  id: Type.String(),
  user_id: Type.String(),
  project_id: Type.String(),
  roles: Type.Array(Type.String()),
  description: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  expires_at: Type.Union([Type.String(), Type.Null()]),
});
const NewToken = Type.Object(
  {
    user_id: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\n]+$' }),
    project_id: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\n]+$' }),
    roles: Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r))), { minItems: 1 }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

/** Token administration (admins) and `whoami` (anyone). */
export async function tokenRoutes(app: Service, opts: { tokens: TokenStore; trackers: TrackerDirectory }): Promise<void> {
  const { tokens, trackers } = opts;
  const tags = ['auth'];

  app.post('/p2p/v1/tokens', { schema: { tags, summary: 'Create a token (admin); the secret is shown only here', body: NewToken, response: { 201: Type.Intersect([TokenInfo, Type.Object({ token: Type.String() })]) } } }, async (request, reply) => {
    requireAdmin(request);
    const body = request.body;
    const created = tokens.create({
      user_id: body.user_id,
      project_id: body.project_id,
      roles: body.roles as Role[],
      ...(body.description !== undefined ? { description: body.description } : {}),
      ...(body.expires_at !== undefined ? { expires_at: new Date(body.expires_at).toISOString() } : {}),
    });
    void reply.code(201);
    return { ...created.info, token: created.token };
  });

  app.get('/p2p/v1/tokens', { schema: { tags, summary: 'List tokens (admin)', response: { 200: Type.Object({ tokens: Type.Array(TokenInfo) }) } } }, async (request) => {
    requireAdmin(request);
    return { tokens: tokens.list() };
  });

  app.delete('/p2p/v1/tokens/:id', { schema: { tags, summary: 'Revoke a token (admin)', params: Type.Object({ id: Type.String() }) } }, async (request, reply) => {
    requireAdmin(request);
    if (!tokens.revoke(request.params.id)) throw new NotFoundError(`No token with id ${request.params.id}`);
    void reply.code(204);
  });

  app.get(
    '/p2p/v1/whoami',
    {
      schema: {
        tags,
        summary: 'The calling principal and its tracker passkey',
        response: { 200: Type.Object({ user_id: Type.String(), project_id: Type.String(), roles: Type.Array(Type.String()), admin: Type.Boolean(), passkey: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => {
      const p = request.principal;
      return { user_id: p.userId, project_id: p.projectId, roles: p.roles, admin: isAdmin(p), passkey: trackers.passkeyFor(p) ?? null };
    },
  );
}
