import { ConflictError, ForbiddenError, InvalidInputError, TooLargeError } from '../../core/errors.js';
import type { ImageRecord } from '../../core/image.js';
import type { Principal } from '../../core/principal.js';
import type { ImageChange } from './image-repository.js';
import { MAX_PROPERTIES, assertWritableName, baseAttributeValue, isBaseAttribute, propertyValue } from './image-input.js';

/** Media types Glance accepts for PATCH. */
export const JSON_PATCH_TYPES = ['application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch'];

/** Attributes that can only change while no data has been uploaded. */
const QUEUED_ONLY = new Set(['disk_format', 'container_format']);

/** Base attributes that can be removed (set back to their empty value). */
const REMOVABLE_BASE: Record<string, unknown> = { name: null, disk_format: null, container_format: null, tags: [] };

interface Operation {
  op: 'add' | 'remove' | 'replace';
  name: string;
  value?: unknown;
}

function decodePointer(path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new InvalidInputError(`Invalid JSON pointer: ${JSON.stringify(path)}`);
  const segments = path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (segments.length !== 1 || segments[0] === '') {
    if (segments[0] === 'locations') throw new ForbiddenError("Attribute 'locations' is read-only.");
    throw new InvalidInputError(`Unsupported path: ${path} (only top-level attributes can be patched)`);
  }
  return segments[0]!;
}

function parseOperations(body: unknown): Operation[] {
  if (!Array.isArray(body)) throw new InvalidInputError('A JSON patch must be an array of operations');
  if (body.length > 500) throw new TooLargeError('Too many patch operations');
  return body.map((raw, i) => {
    if (typeof raw !== 'object' || raw === null) throw new InvalidInputError(`Patch operation ${i} must be an object`);
    const { op, path } = raw as { op?: unknown; path?: unknown };
    if (op !== 'add' && op !== 'remove' && op !== 'replace') throw new InvalidInputError(`Patch operation ${i}: op must be add, remove or replace`);
    const name = decodePointer(path);
    if (op !== 'remove' && !('value' in raw)) throw new InvalidInputError(`Patch operation ${i}: '${op}' needs a value`);
    return { op, name, value: (raw as { value?: unknown }).value };
  });
}

/**
 * Apply a Glance-style JSON patch to an image, with Glance's answers: read-only
 * attributes 403, replacing or removing a property that does not exist 409, wrong
 * types 400. Returns the change to store; nothing is written here.
 */
export function patchToChange(image: ImageRecord, body: unknown, p: Principal): ImageChange {
  const ops = parseOperations(body);
  const columns: Record<string, unknown> = {};
  const properties = { ...image.properties };
  let tags: string[] | undefined;
  for (const { op, name, value } of ops) {
    if (isBaseAttribute(name)) {
      assertWritableName(name);
      if (name === 'id') throw new ForbiddenError("Attribute 'id' is read-only.");
      if (QUEUED_ONLY.has(name) && image.status !== 'queued') throw new ForbiddenError(`Attribute ${name} can be only replaced for a queued image.`);
      let next: unknown;
      if (op === 'remove') {
        if (!(name in REMOVABLE_BASE)) throw new ForbiddenError(`Attribute '${name}' cannot be removed.`);
        next = REMOVABLE_BASE[name];
      } else next = baseAttributeValue(name, value, p);
      if (name === 'tags') tags = next as string[];
      else columns[name] = next;
      continue;
    }
    const exists = Object.hasOwn(properties, name);
    if (op === 'remove') {
      assertWritableName(name);
      if (!exists) throw new ConflictError(`Property ${name} does not exist.`, { property: name });
      delete properties[name];
    } else {
      if (op === 'replace' && !exists) throw new ConflictError(`Property ${name} does not exist.`, { property: name });
      properties[name] = propertyValue(name, value);
    }
  }
  if (Object.keys(properties).length > MAX_PROPERTIES) throw new TooLargeError(`An image may have at most ${MAX_PROPERTIES} properties`);
  const setProperties: Record<string, string> = {};
  for (const [k, v] of Object.entries(properties)) if (image.properties[k] !== v) setProperties[k] = v;
  const removeProperties = Object.keys(image.properties).filter((k) => !Object.hasOwn(properties, k));
  return { columns, setProperties, removeProperties, ...(tags ? { tags } : {}) };
}
