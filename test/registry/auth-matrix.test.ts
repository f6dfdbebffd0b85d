import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../helpers/registry.js';

type Who = 'anonymous' | 'owner' | 'reader' | 'member' | 'other' | 'admin';
type Vis = 'public' | 'community' | 'shared' | 'private';
const WHO: Who[] = ['anonymous', 'owner', 'reader', 'member', 'other', 'admin'];
const VIS: Vis[] = ['public', 'community', 'shared', 'private'];
const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };

/** Expected GET-by-id status. "member" is a project that is an accepted member of the shared image. */
const SHOW: Record<Vis, Record<Who, number>> = {
  public: { anonymous: 200, owner: 200, reader: 200, member: 200, other: 200, admin: 200 },
  community: { anonymous: 200, owner: 200, reader: 200, member: 200, other: 200, admin: 200 },
  shared: { anonymous: 404, owner: 200, reader: 200, member: 200, other: 404, admin: 200 },
  private: { anonymous: 404, owner: 200, reader: 200, member: 404, other: 404, admin: 200 },
};
/** Is the image in the caller's default list? */
const LISTED: Record<Vis, Record<Who, boolean>> = {
  public: { anonymous: true, owner: true, reader: true, member: true, other: true, admin: true },
  community: { anonymous: false, owner: true, reader: true, member: false, other: false, admin: true },
  shared: { anonymous: false, owner: true, reader: true, member: true, other: false, admin: true },
  private: { anonymous: false, owner: true, reader: true, member: false, other: false, admin: true },
};
/** Expected PATCH status. */
const UPDATE: Record<Vis, Record<Who, number>> = {
  public: { anonymous: 401, owner: 200, reader: 403, member: 403, other: 403, admin: 200 },
  community: { anonymous: 401, owner: 200, reader: 403, member: 403, other: 403, admin: 200 },
  shared: { anonymous: 401, owner: 200, reader: 403, member: 403, other: 404, admin: 200 },
  private: { anonymous: 401, owner: 200, reader: 403, member: 404, other: 404, admin: 200 },
};

describe('registry: auth matrix (anonymous / owner / reader / member / other tenant / admin × visibility)', () => {
  let r: TestRegistry;
  const tokens = {} as Record<Who, string | undefined>;
  const images = {} as Record<Vis, string>;

  beforeAll(async () => {
    r = await startTestRegistry();
    tokens.anonymous = undefined;
    tokens.admin = ADMIN_TOKEN;
    tokens.owner = await r.token('olivia', 'proj-owner', ['member']);
    tokens.reader = await r.token('rita', 'proj-owner', ['reader']);
    tokens.member = await r.token('mike', 'proj-member', ['member']);
    tokens.other = await r.token('oscar', 'proj-other', ['member']);
    for (const vis of VIS) {
      // only admins may create public images; the owner's project still owns it
      const body = vis === 'public' ? { name: `img-${vis}`, visibility: vis, owner: 'proj-owner' } : { name: `img-${vis}`, visibility: vis };
      const res = await r.call('POST', '/v2/images', { token: vis === 'public' ? ADMIN_TOKEN : tokens.owner, body });
      expect(res.status, res.text).toBe(201);
      images[vis] = res.body.id;
    }
    // proj-member is an accepted member of the shared image, and (stale) of the private one
    expect((await r.call('POST', `/v2/images/${images.shared}/members`, { token: tokens.owner, body: { member: 'proj-member' } })).status).toBe(200);
    expect((await r.call('PUT', `/v2/images/${images.shared}/members/proj-member`, { token: tokens.member, body: { status: 'accepted' } })).status).toBe(200);
  });
  afterAll(async () => r.close());

  for (const vis of VIS) {
    for (const who of WHO) {
      it(`${who} × ${vis}: show ${SHOW[vis][who]}, listed ${LISTED[vis][who]}`, async () => {
        const show = await r.call('GET', `/v2/images/${images[vis]}`, { token: tokens[who] });
        expect(show.status).toBe(SHOW[vis][who]);
        const list = await r.call('GET', '/v2/images?limit=1000', { token: tokens[who] });
        expect(list.status).toBe(200);
        expect(list.body.images.some((i: { id: string }) => i.id === images[vis])).toBe(LISTED[vis][who]);
        if (show.status === 200) expect('locations' in show.body).toBe(who === 'admin');
      });
      it(`${who} × ${vis}: update ${UPDATE[vis][who]}`, async () => {
        const res = await r.call('PATCH', `/v2/images/${images[vis]}`, { token: tokens[who], headers: PATCH, body: [{ op: 'add', path: '/touched_by', value: who }] });
        expect(res.status, res.text).toBe(UPDATE[vis][who]);
      });
    }
  }

  it('community images show up for everyone who asks for visibility=community', async () => {
    for (const who of WHO) {
      const list = await r.call('GET', '/v2/images?visibility=community', { token: tokens[who] });
      expect(list.body.images.map((i: { id: string }) => i.id), who).toEqual([images.community]);
    }
  });

  it('delete follows the update rules', async () => {
    const id = (await r.call('POST', '/v2/images', { token: tokens.owner, body: { name: 'doomed', visibility: 'shared' } })).body.id;
    await r.call('POST', `/v2/images/${id}/members`, { token: tokens.owner, body: { member: 'proj-member' } });
    expect((await r.call('DELETE', `/v2/images/${id}`)).status).toBe(401);
    expect((await r.call('DELETE', `/v2/images/${id}`, { token: tokens.other })).status).toBe(404);
    expect((await r.call('DELETE', `/v2/images/${id}`, { token: tokens.member })).status).toBe(403);
    expect((await r.call('DELETE', `/v2/images/${id}`, { token: tokens.reader })).status).toBe(403);
    expect((await r.call('DELETE', `/v2/images/${id}`, { token: tokens.owner })).status).toBe(204);
  });

  it('only writers create; only admins make images public or set owners', async () => {
    expect((await r.call('POST', '/v2/images', { body: { name: 'x' } })).status).toBe(401);
    expect((await r.call('POST', '/v2/images', { token: tokens.reader, body: { name: 'x' } })).status).toBe(403);
    expect((await r.call('POST', '/v2/images', { token: tokens.owner, body: { name: 'x', visibility: 'public' } })).status).toBe(403);
    expect((await r.call('POST', '/v2/images', { token: tokens.owner, body: { name: 'x', owner: 'someone-else' } })).status).toBe(403);
    const res = await r.call('PATCH', `/v2/images/${images.private}`, { token: tokens.owner, headers: PATCH, body: [{ op: 'replace', path: '/visibility', value: 'public' }] });
    expect(res.status).toBe(403);
  });

  it('membership: owner adds, the member itself accepts; pending members see the image by id, not in the default list', async () => {
    const id = (await r.call('POST', '/v2/images', { token: tokens.owner, body: { name: 'pending-share', visibility: 'shared' } })).body.id;
    expect((await r.call('POST', `/v2/images/${images.private}/members`, { token: tokens.owner, body: { member: 'proj-member' } })).status).toBe(403);
    expect((await r.call('POST', `/v2/images/${id}/members`, { token: tokens.member, body: { member: 'proj-member' } })).status).toBe(404);
    expect((await r.call('POST', `/v2/images/${id}/members`, { token: tokens.owner, body: { member: 'proj-member' } })).status).toBe(200);
    expect((await r.call('POST', `/v2/images/${id}/members`, { token: tokens.owner, body: { member: 'proj-member' } })).status).toBe(409);
    expect((await r.call('GET', `/v2/images/${id}`, { token: tokens.member })).status).toBe(200);
    const listed = async (qs: string) => (await r.call('GET', `/v2/images${qs}`, { token: tokens.member })).body.images.some((i: { id: string }) => i.id === id);
    expect(await listed('')).toBe(false);
    expect(await listed('?member_status=pending')).toBe(true);
    expect(await listed('?member_status=all&visibility=shared')).toBe(true);
    // the owner cannot accept on the member's behalf
    expect((await r.call('PUT', `/v2/images/${id}/members/proj-member`, { token: tokens.owner, body: { status: 'accepted' } })).status).toBe(403);
    expect((await r.call('PUT', `/v2/images/${id}/members/proj-member`, { token: tokens.member, body: { status: 'accepted' } })).status).toBe(200);
    expect(await listed('')).toBe(true);
    const members = await r.call('GET', `/v2/images/${id}/members`, { token: tokens.owner });
    expect(members.body.members).toEqual([expect.objectContaining({ member_id: 'proj-member', status: 'accepted', image_id: id })]);
    expect((await r.call('GET', `/v2/images/${id}/members/proj-member`, { token: tokens.member })).status).toBe(200);
    expect((await r.call('GET', `/v2/images/${id}/members/proj-member`, { token: tokens.other })).status).toBe(404);
    expect((await r.call('PUT', `/v2/images/${id}/members/proj-member`, { token: tokens.member, body: { status: 'maybe' } })).status).toBe(400);
    expect((await r.call('DELETE', `/v2/images/${id}/members/proj-member`, { token: tokens.member })).status).toBe(403);
    expect((await r.call('DELETE', `/v2/images/${id}/members/proj-member`, { token: tokens.owner })).status).toBe(204);
    expect((await r.call('GET', `/v2/images/${id}`, { token: tokens.member })).status).toBe(404);
  });

  it('a wrong token is 401 even where anonymous reads are allowed; Bearer works too', async () => {
    expect((await r.call('GET', `/v2/images/${images.public}`, { token: 'not-a-token' })).status).toBe(401);
    const bearer = await fetch(`${r.url}/v2/images/${images.private}`, { headers: { authorization: `Bearer ${tokens.owner}` } });
    expect(bearer.status).toBe(200);
  });
});

describe('registry: anonymous access switched off', () => {
  let r: TestRegistry;
  beforeAll(async () => {
    r = await startTestRegistry({ allow_anonymous: false });
  });
  afterAll(async () => r.close());

  it('answers 401 without a token except for versions, schemas, docs, health and metrics', async () => {
    expect((await r.call('GET', '/v2/images')).status).toBe(401);
    expect((await r.call('GET', '/v2/images', { token: ADMIN_TOKEN })).status).toBe(200);
    for (const open of ['/versions', '/v2/schemas/image', '/healthz', '/metrics', '/docs/json']) expect((await r.call('GET', open)).status, open).toBe(200);
  });
});
