import { randomUUID } from 'node:crypto';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, TooLargeError, UnauthorizedError } from '../../core/errors.js';
import type { ImageRecord, MemberStatus } from '../../core/image.js';
import { isAdmin, isAnonymous, isService, type Principal } from '../../core/principal.js';
import { assertCanModify, isOwner, listScope, readable, requireWriter } from '../auth/image-access.js';
import type { TrackerDirectory } from '../torrent/tracker-directory.js';
import { ImageRepository, type MemberRecord } from './image-repository.js';
import { MAX_TAGS, parseCreateBody, tagValue } from './image-input.js';
import { imageView, type ViewContext } from './image-view.js';
import { patchToChange } from './json-patch.js';
import { parseListQuery, type ListQuery } from './list-query.js';
import { buildListSql } from './list-sql.js';
import { storedTime, type Clock } from './time.js';

/** One page of a list. */
export interface ImagePage {
  images: ImageRecord[];
  /** Id of the last image when more pages follow. */
  nextMarker: string | undefined;
}

/** The image use cases of the public API, each checked against the caller's rights. */
export class ImageService {
  constructor(
    readonly repo: ImageRepository,
    private readonly trackers: TrackerDirectory,
    private readonly publicUrl: () => string,
    private readonly clock: Clock,
  ) {}

  /** How to shape images for this caller (passkey computed once per call). */
  viewContext(p: Principal): ViewContext {
    let passkey: string | undefined | null = null;
    return {
      publicUrl: this.publicUrl(),
      showLocations: isService(p),
      announce: (imageId) => {
        if (passkey === null) passkey = this.trackers.passkeyFor(p);
        return this.trackers.announceFor(imageId, passkey);
      },
    };
  }

  view(image: ImageRecord, p: Principal): Record<string, unknown> {
    return imageView(image, this.viewContext(p));
  }

  private membership = (imageId: string, project: string): MemberStatus | undefined => this.repo.member(imageId, project)?.status;

  /** An image the caller may read (404 otherwise). */
  get(p: Principal, id: string): ImageRecord {
    return readable(p, this.repo.get(id), id, this.membership);
  }

  /** True when the caller may read the image. */
  canRead(p: Principal, image: ImageRecord): boolean {
    try {
      readable(p, image, image.id, this.membership);
      return true;
    } catch {
      return false;
    }
  }

  list(p: Principal, rawQuery: Record<string, string | string[] | undefined>): ImagePage {
    const query: ListQuery = parseListQuery(rawQuery);
    let marker: Record<string, unknown> | undefined;
    if (query.marker !== undefined) {
      const row = this.repo.getRow(query.marker);
      const record = row ? this.repo.get(query.marker) : undefined;
      if (!row || !record || !this.canRead(p, record)) throw new InvalidInputError(`Invalid marker. Image ${query.marker} could not be found.`);
      marker = row as unknown as Record<string, unknown>;
    }
    if (query.limit === 0) return { images: [], nextMarker: undefined };
    const rows = this.repo.select(buildListSql(query, listScope(p, query), marker));
    const more = rows.length > query.limit;
    const images = more ? rows.slice(0, query.limit) : rows;
    return { images, nextMarker: more ? images[images.length - 1]!.id : undefined };
  }

  create(p: Principal, body: unknown): ImageRecord {
    requireWriter(p);
    const { base, properties } = parseCreateBody(body, p);
    const id = (base.id as string | undefined) ?? randomUUID();
    if (this.repo.getRow(id)) throw new ConflictError(`Image ID ${id} already exists!`);
    const now = storedTime(this.clock());
    return this.repo.insert({
      id,
      name: (base.name as string | null | undefined) ?? null,
      status: 'queued',
      visibility: (base.visibility as ImageRecord['visibility'] | undefined) ?? 'shared',
      owner: base.owner !== undefined ? (base.owner as string | null) : p.projectId,
      protected: (base.protected as boolean | undefined) ?? false,
      os_hidden: (base.os_hidden as boolean | undefined) ?? false,
      disk_format: (base.disk_format as string | null | undefined) ?? null,
      container_format: (base.container_format as string | null | undefined) ?? null,
      size: null,
      virtual_size: null,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      min_disk: (base.min_disk as number | undefined) ?? 0,
      min_ram: (base.min_ram as number | undefined) ?? 0,
      created_at: now,
      updated_at: now,
      tags: (base.tags as string[] | undefined) ?? [],
      properties,
      locations: [],
      p2p_infohash: null,
      p2p_piece_length: null,
      p2p_source_infohash: null,
      p2p_origin_uri: null,
      p2p_progress: null,
      p2p_status_reason: null,
    });
  }

  /** An image the caller may change: 401 anonymous, 404 unreadable, 403 not owner or read-only role. */
  private mutable(p: Principal, id: string): ImageRecord {
    if (isAnonymous(p)) throw new UnauthorizedError();
    const image = this.get(p, id);
    assertCanModify(p, image);
    return image;
  }

  patch(p: Principal, id: string, body: unknown): ImageRecord {
    const image = this.mutable(p, id);
    return this.repo.update(id, patchToChange(image, body, p));
  }

  delete(p: Principal, id: string): ImageRecord {
    const image = this.mutable(p, id);
    if (image.protected) throw new ForbiddenError(`Image ${id} is protected and cannot be deleted.`);
    this.repo.delete(id);
    return image;
  }

  addTag(p: Principal, id: string, tag: string): void {
    const image = this.mutable(p, id);
    tagValue(tag);
    if (!image.tags.includes(tag) && image.tags.length >= MAX_TAGS) throw new TooLargeError(`An image may have at most ${MAX_TAGS} tags`);
    this.repo.addTag(id, tag);
  }

  removeTag(p: Principal, id: string, tag: string): void {
    this.mutable(p, id);
    if (!this.repo.removeTag(id, tag)) throw new NotFoundError(`Tag ${tag} not found on image ${id}`);
  }

  /** active → deactivated (a deactivated image stays so); any other status is a conflict. */
  deactivate(p: Principal, id: string): void {
    const image = this.mutable(p, id);
    if (image.status === 'deactivated') return;
    if (!this.repo.updateIfStatus(id, ['active'], { columns: { status: 'deactivated' } })) {
      throw new ConflictError(`Not allowed to deactivate an image in status '${image.status}'`);
    }
  }

  /** deactivated → active (an active image stays so); any other status is a conflict. */
  reactivate(p: Principal, id: string): void {
    const image = this.mutable(p, id);
    if (image.status === 'active') return;
    if (!this.repo.updateIfStatus(id, ['deactivated'], { columns: { status: 'active' } })) {
      throw new ConflictError(`Not allowed to reactivate an image in status '${image.status}'`);
    }
  }

  listMembers(p: Principal, id: string): MemberRecord[] {
    const image = this.get(p, id);
    if (isAdmin(p) || isOwner(p, image)) return this.repo.members(id);
    const mine = this.repo.member(id, p.projectId);
    return mine ? [mine] : [];
  }

  getMember(p: Principal, id: string, member: string): MemberRecord {
    const image = this.get(p, id);
    const record = this.repo.member(id, member);
    const allowed = isAdmin(p) || isOwner(p, image) || member === p.projectId;
    if (!record || !allowed) throw new NotFoundError(`Member ${member} not found for image ${id}`);
    return record;
  }

  addMember(p: Principal, id: string, member: string): MemberRecord {
    if (isAnonymous(p)) throw new UnauthorizedError();
    const image = this.get(p, id);
    if (!isAdmin(p) && !isOwner(p, image)) throw new ForbiddenError('Only the owner of an image may add members');
    requireWriter(p);
    if (image.visibility !== 'shared') throw new ForbiddenError(`Only shared images have members (this one is ${image.visibility}).`);
    if (typeof member !== 'string' || member.length === 0 || member.length > 255) throw new InvalidInputError('member must be a project id');
    if (this.repo.member(id, member)) throw new ConflictError(`${member} is already a member of image ${id}`);
    return this.repo.addMember(id, member);
  }

  /** Only the member itself accepts or rejects; the owner cannot decide for it. */
  setMemberStatus(p: Principal, id: string, member: string, status: MemberStatus): MemberRecord {
    if (isAnonymous(p)) throw new UnauthorizedError();
    this.get(p, id);
    if (!this.repo.member(id, member)) throw new NotFoundError(`Member ${member} not found for image ${id}`);
    if (member !== p.projectId && !isAdmin(p)) throw new ForbiddenError('Only the member itself may change its status');
    return this.repo.setMemberStatus(id, member, status);
  }

  removeMember(p: Principal, id: string, member: string): void {
    if (isAnonymous(p)) throw new UnauthorizedError();
    const image = this.get(p, id);
    if (!isAdmin(p) && !isOwner(p, image)) throw new ForbiddenError('Only the owner of an image may remove members');
    if (!this.repo.member(id, member)) throw new NotFoundError(`Member ${member} not found for image ${id}`);
    this.repo.removeMember(id, member);
  }
}
