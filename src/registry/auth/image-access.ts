import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../core/errors.js';
import type { ImageRecord, MemberStatus } from '../../core/image.js';
import { canWrite, isAdmin, isAnonymous, isService, type Principal } from '../../core/principal.js';
import type { SqlFragment } from '../images/list-sql.js';
import type { ListQuery } from '../images/list-query.js';

/** Looks up a project's membership of an image (undefined when it is not a member). */
export type MembershipLookup = (imageId: string, project: string) => MemberStatus | undefined;

/** True when `p` owns the image (its project is the image's owner). */
export function isOwner(p: Principal, image: Pick<ImageRecord, 'owner'>): boolean {
  return !isAnonymous(p) && image.owner !== null && image.owner === p.projectId;
}

/**
 * Glance's read rule for one image: admins, the service role and owners always; public and community
 * images for everyone; shared images for their members (whatever the member status).
 */
export function canRead(p: Principal, image: ImageRecord, membership: MembershipLookup): boolean {
  if (isService(p) || isOwner(p, image)) return true;
  if (image.visibility === 'public' || image.visibility === 'community') return true;
  if (image.visibility === 'shared' && !isAnonymous(p)) return membership(image.id, p.projectId) !== undefined;
  return false;
}

/** The image if `p` may read it; otherwise 404, so its existence is not revealed. */
export function readable(p: Principal, image: ImageRecord | undefined, id: string, membership: MembershipLookup): ImageRecord {
  if (!image || !canRead(p, image, membership)) throw new NotFoundError(`No image found with ID ${id}`);
  return image;
}

/** Throw 403 unless `p` may change the image (admin, or a member-role user of the owning project). */
export function assertCanModify(p: Principal, image: ImageRecord): void {
  if (isAdmin(p)) return;
  if (!isOwner(p, image)) throw new ForbiddenError('You are not permitted to modify this image');
  if (!canWrite(p)) throw new ForbiddenError('Your role is read-only');
}

/**
 * The SQL condition for which images `p` sees in a list, after Glance: by default
 * public, owned and accepted-shared images; `visibility` narrows or widens that.
 */
export function listScope(p: Principal, query: Pick<ListQuery, 'visibility' | 'memberStatus'>): SqlFragment {
  const vis = query.visibility;
  if (isService(p)) {
    return vis && vis !== 'all' ? { sql: 'i.visibility = ?', params: [vis] } : { sql: '1', params: [] };
  }
  if (isAnonymous(p)) {
    if (vis === 'community') return { sql: "i.visibility = 'community'", params: [] };
    if (vis === 'all') return { sql: "i.visibility IN ('public', 'community')", params: [] };
    return vis === undefined || vis === 'public' ? { sql: "i.visibility = 'public'", params: [] } : { sql: '0', params: [] };
  }
  const project = p.projectId;
  const statuses = query.memberStatus === 'all' ? ['pending', 'accepted', 'rejected'] : [query.memberStatus];
  const memberOf: SqlFragment = {
    sql: `i.id IN (SELECT m.image_id FROM image_members m WHERE m.member = ? AND m.status IN (${statuses.map(() => '?').join(', ')}))`,
    params: [project, ...statuses],
  };
  const owned: SqlFragment = { sql: 'i.owner = ?', params: [project] };
  switch (vis) {
    case 'public':
      return { sql: "i.visibility = 'public'", params: [] };
    case 'community':
      return { sql: "i.visibility = 'community'", params: [] };
    case 'private':
      return { sql: `(i.visibility = 'private' AND ${owned.sql})`, params: owned.params };
    case 'shared':
      return { sql: `(i.visibility = 'shared' AND (${owned.sql} OR ${memberOf.sql}))`, params: [...owned.params, ...memberOf.params] };
    case 'all':
      return { sql: `(i.visibility IN ('public', 'community') OR ${owned.sql} OR (i.visibility = 'shared' AND ${memberOf.sql}))`, params: [...owned.params, ...memberOf.params] };
    default:
      return { sql: `(i.visibility = 'public' OR ${owned.sql} OR (i.visibility = 'shared' AND ${memberOf.sql}))`, params: [...owned.params, ...memberOf.params] };
  }
}

/** 401 for anonymous, 403 for read-only roles. */
export function requireWriter(p: Principal): void {
  if (isAnonymous(p)) throw new UnauthorizedError();
  if (!canWrite(p)) throw new ForbiddenError('Your role is read-only');
}
