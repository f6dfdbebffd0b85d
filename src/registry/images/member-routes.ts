import { Type } from '@sinclair/typebox';
import type { Service } from '../../core/http/service.js';
import { apiTime } from './time.js';
import type { MemberRecord } from './image-repository.js';
import type { ImageService } from './image-service.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const MemberParams = Type.Object({ id: Type.String({ maxLength: 64 }), member: Type.String({ maxLength: 255 }) });
const MemberView = Type.Object({
  image_id: Type.String(),
  member_id: Type.String(),
  status: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  schema: Type.String(),
});

function memberView(m: MemberRecord) {
  return { image_id: m.image_id, member_id: m.member, status: m.status, created_at: apiTime(m.created_at), updated_at: apiTime(m.updated_at), schema: '/v2/schemas/member' };
}

/** Members of shared images: the owner adds and removes them, each member accepts or rejects. */
export async function memberRoutes(app: Service, opts: { images: ImageService }): Promise<void> {
  const { images } = opts;
  const tags = ['members'];

  app.get('/v2/images/:id/members', { schema: { tags, summary: 'List members', params: IdParams, response: { 200: Type.Object({ members: Type.Array(MemberView), schema: Type.String() }) } } }, async (request) => ({
    members: images.listMembers(request.principal, request.params.id).map(memberView),
    schema: '/v2/schemas/members',
  }));

  app.post(
    '/v2/images/:id/members',
    { schema: { tags, summary: 'Add a member (shared images only)', params: IdParams, body: Type.Object({ member: Type.String({ minLength: 1, maxLength: 255 }) }), response: { 200: MemberView } } },
    async (request) => memberView(images.addMember(request.principal, request.params.id, request.body.member)),
  );

  app.get('/v2/images/:id/members/:member', { schema: { tags, summary: 'Show a member', params: MemberParams, response: { 200: MemberView } } }, async (request) =>
    memberView(images.getMember(request.principal, request.params.id, request.params.member)),
  );

  app.put(
    '/v2/images/:id/members/:member',
    {
      schema: {
        tags,
        summary: 'Accept or reject (the member itself)',
        params: MemberParams,
        body: Type.Object({ status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('rejected')]) }),
        response: { 200: MemberView },
      },
    },
    async (request) => memberView(images.setMemberStatus(request.principal, request.params.id, request.params.member, request.body.status)),
  );

  app.delete('/v2/images/:id/members/:member', { schema: { tags, summary: 'Remove a member', params: MemberParams } }, async (request, reply) => {
    images.removeMember(request.principal, request.params.id, request.params.member);
    void reply.code(204);
  });
}
