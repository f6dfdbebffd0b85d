import { ForbiddenError, InvalidInputError, TooLargeError } from '../../core/errors.js';
import { CONTAINER_FORMATS, DISK_FORMATS, VISIBILITIES, isUuid } from '../../core/image.js';
import { isAdmin, type Principal } from '../../core/principal.js';
import { READ_ONLY_ATTRIBUTES, RESERVED_ATTRIBUTES } from './image-schema.js';

/** Glance's quotas: properties and tags per image. */
export const MAX_PROPERTIES = 128;
export const MAX_TAGS = 128;
const MAX_PROPERTY_VALUE = 65535;

/** Base attributes a client may set, with the value check for each. */
const WRITABLE: Record<string, (value: unknown, p: Principal) => unknown> = {
  id: (v) => {
    if (typeof v !== 'string' || !isUuid(v)) throw new InvalidInputError(`id must be a UUID, got ${JSON.stringify(v)}`);
    return v.toLowerCase();
  },
  name: (v) => {
    if (v !== null && (typeof v !== 'string' || v.length > 255)) throw new InvalidInputError('name must be a string of at most 255 characters, or null');
    return v;
  },
  visibility: (v, p) => {
    if (typeof v !== 'string' || !(VISIBILITIES as readonly string[]).includes(v)) throw new InvalidInputError(`visibility must be one of ${VISIBILITIES.join(', ')}`);
    if (v === 'public' && !isAdmin(p)) throw new ForbiddenError('Only admins may make an image public');
    return v;
  },
  protected: (v) => boolean(v, 'protected'),
  os_hidden: (v) => boolean(v, 'os_hidden'),
  owner: (v, p) => {
    if (!isAdmin(p)) throw new ForbiddenError('Only admins may set the owner of an image');
    if (v !== null && (typeof v !== 'string' || v.length > 255)) throw new InvalidInputError('owner must be a string of at most 255 characters');
    return v;
  },
  disk_format: (v) => oneOf(v, DISK_FORMATS, 'disk_format'),
  container_format: (v) => oneOf(v, CONTAINER_FORMATS, 'container_format'),
  min_disk: (v) => nonNegative(v, 'min_disk'),
  min_ram: (v) => nonNegative(v, 'min_ram'),
  tags: (v) => tagList(v),
};

function boolean(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new InvalidInputError(`${field} must be a boolean`);
  return v;
}

function oneOf(v: unknown, allowed: readonly string[], field: string): string | null {
  if (v === null) return null;
  if (typeof v !== 'string' || !allowed.includes(v)) throw new InvalidInputError(`${field} must be one of ${allowed.join(', ')}`);
  return v;
}

function nonNegative(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new InvalidInputError(`${field} must be a non-negative integer`);
  return v;
}

/** Validate one tag. */
export function tagValue(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 255) throw new InvalidInputError('A tag must be a string of 1 to 255 characters');
  return v;
}

function tagList(v: unknown): string[] {
  if (!Array.isArray(v)) throw new InvalidInputError('tags must be an array of strings');
  const tags = [...new Set(v.map(tagValue))];
  if (tags.length > MAX_TAGS) throw new TooLargeError(`An image may have at most ${MAX_TAGS} tags`);
  return tags;
}

/** Is `name` a base attribute (not a custom property)? */
export function isBaseAttribute(name: string): boolean {
  return name in WRITABLE || READ_ONLY_ATTRIBUTES.has(name);
}

/** 403 for attributes nobody may write, as Glance says it. */
export function assertWritableName(name: string): void {
  if (READ_ONLY_ATTRIBUTES.has(name)) throw new ForbiddenError(`Attribute '${name}' is read-only.`, { attribute: name });
  if (RESERVED_ATTRIBUTES.has(name) || name.startsWith('os_glance')) throw new ForbiddenError(`Attribute '${name}' is reserved.`, { attribute: name });
}

/** Check a base attribute's new value; returns it normalised. */
export function baseAttributeValue(name: string, value: unknown, p: Principal): unknown {
  assertWritableName(name);
  return WRITABLE[name]!(value, p);
}

/** Check a custom property's name and value. */
export function propertyValue(name: string, value: unknown): string {
  assertWritableName(name);
  if (name.length === 0 || name.length > 255) throw new InvalidInputError('Property names must be 1 to 255 characters');
  if (typeof value !== 'string') throw new InvalidInputError(`Property '${name}' must be a string`, { property: name });
  if (value.length > MAX_PROPERTY_VALUE) throw new InvalidInputError(`Property '${name}' is too long`);
  return value;
}

/** The fields of a create request, split into base attributes and custom properties. */
export interface CreateInput {
  base: Record<string, unknown>;
  properties: Record<string, string>;
}

/** Validate a POST /v2/images body. */
export function parseCreateBody(body: unknown, p: Principal): CreateInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidInputError('The request body must be a JSON object');
  const base: Record<string, unknown> = {};
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (name in WRITABLE) base[name] = baseAttributeValue(name, value, p);
    else properties[name] = propertyValue(name, value);
  }
  if (Object.keys(properties).length > MAX_PROPERTIES) throw new TooLargeError(`An image may have at most ${MAX_PROPERTIES} properties`);
  return { base, properties };
}
