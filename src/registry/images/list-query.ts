import { InvalidInputError } from '../../core/errors.js';
import { IMAGE_STATUSES, MEMBER_STATUSES, VISIBILITIES, type MemberStatus, type Visibility } from '../../core/image.js';
import { parseClientTime } from './time.js';

/** Comparison operators Glance accepts as `op:value` in filters. */
export const FILTER_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

type ValueKind = 'text' | 'integer' | 'boolean' | 'time' | 'status';

/** Image columns a list may filter on, and how their values are parsed. */
const COLUMN_FILTERS: Record<string, ValueKind> = {
  id: 'text',
  name: 'text',
  status: 'status',
  owner: 'text',
  disk_format: 'text',
  container_format: 'text',
  checksum: 'text',
  os_hash_value: 'text',
  p2p_infohash: 'text',
  p2p_source_infohash: 'text',
  size: 'integer',
  virtual_size: 'integer',
  min_disk: 'integer',
  min_ram: 'integer',
  protected: 'boolean',
  created_at: 'time',
  updated_at: 'time',
};

/** Keys a list may sort on. */
export const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'virtual_size', 'id', 'created_at', 'updated_at', 'visibility', 'owner', 'min_disk', 'min_ram', 'protected'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

/** Query parameters with a meaning of their own (everything else filters a custom property). */
const RESERVED = new Set(['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'q', 'tag', 'visibility', 'member_status', 'size_min', 'size_max', 'os_hidden']);

/** One filter on an image column or a custom property. */
export interface Filter {
  field: string;
  op: FilterOp;
  values: Array<string | number>;
}

/** A validated list request. */
export interface ListQuery {
  columnFilters: Filter[];
  propertyFilters: Filter[];
  tags: string[];
  q: string | undefined;
  visibility: Visibility | 'all' | undefined;
  memberStatus: MemberStatus | 'all';
  osHidden: boolean | undefined;
  sort: Array<{ key: SortKey; dir: SortDir }>;
  limit: number;
  marker: string | undefined;
}

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 1000;

type RawQuery = Record<string, string | string[] | undefined>;

function single(query: RawQuery, key: string): string | undefined {
  const value = query[key];
  if (Array.isArray(value)) throw new InvalidInputError(`Query parameter '${key}' may be given only once`);
  return value;
}

function all(query: RawQuery, key: string): string[] {
  const value = query[key];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Split `in:` values on commas; double quotes protect commas inside a value. */
export function splitInValues(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  if (quoted) throw new InvalidInputError(`Unclosed quote in 'in:' filter value: ${text}`);
  out.push(current);
  return out;
}

/** Parse `op:value` (the operator prefix is only taken when it is a known one). */
function parseOperator(raw: string): { op: FilterOp; text: string } {
  const colon = raw.indexOf(':');
  if (colon > 0) {
    const op = raw.slice(0, colon);
    if ((FILTER_OPS as readonly string[]).includes(op)) return { op: op as FilterOp, text: raw.slice(colon + 1) };
  }
  return { op: 'eq', text: raw };
}

function parseInteger(text: string, field: string): number {
  if (!/^-?\d{1,16}$/.test(text)) throw new InvalidInputError(`Invalid value for ${field}: ${JSON.stringify(text)} (expected an integer)`);
  return Number(text);
}

function parseBoolean(text: string, field: string): number {
  const lower = text.toLowerCase();
  if (lower === 'true') return 1;
  if (lower === 'false') return 0;
  throw new InvalidInputError(`Invalid value for ${field}: ${JSON.stringify(text)} (expected true or false)`);
}

function convert(kind: ValueKind, text: string, field: string): string | number {
  switch (kind) {
    case 'integer':
      return parseInteger(text, field);
    case 'boolean':
      return parseBoolean(text, field);
    case 'time':
      return parseClientTime(text, field);
    case 'status':
      if (!(IMAGE_STATUSES as readonly string[]).includes(text)) throw new InvalidInputError(`Invalid status filter: ${JSON.stringify(text)}`);
      return text;
    default:
      return text;
  }
}

function parseFilter(field: string, raw: string, kind: ValueKind): Filter {
  const { op, text } = parseOperator(raw);
  if (kind === 'boolean' && op !== 'eq') throw new InvalidInputError(`Filter ${field} takes only true or false`);
  const texts = op === 'in' ? splitInValues(text) : [text];
  return { field, op, values: texts.map((t) => convert(kind, t, field)) };
}

function parseSort(query: RawQuery): ListQuery['sort'] {
  const sort = single(query, 'sort');
  const keys = all(query, 'sort_key');
  const dirs = all(query, 'sort_dir');
  if (sort !== undefined && (keys.length > 0 || dirs.length > 0)) {
    throw new InvalidInputError("Use either 'sort' or 'sort_key'/'sort_dir', not both");
  }
  const pairs: Array<[string, string]> = [];
  if (sort !== undefined) {
    for (const part of sort.split(',')) {
      const [key = '', dir = 'desc', extra] = part.trim().split(':');
      if (extra !== undefined) throw new InvalidInputError(`Invalid sort item: ${JSON.stringify(part)}`);
      pairs.push([key, dir]);
    }
  } else {
    if (dirs.length > Math.max(keys.length, 1)) throw new InvalidInputError('More sort_dir values than sort_key values');
    const sortKeys = keys.length > 0 ? keys : ['created_at'];
    sortKeys.forEach((key, i) => pairs.push([key, dirs[i] ?? dirs[0] ?? 'desc']));
  }
  const seen = new Set<string>();
  return pairs.map(([key, dir]) => {
    if (!(SORT_KEYS as readonly string[]).includes(key)) throw new InvalidInputError(`Invalid sort key: ${JSON.stringify(key)} (one of ${SORT_KEYS.join(', ')})`);
    if (dir !== 'asc' && dir !== 'desc') throw new InvalidInputError(`Invalid sort direction: ${JSON.stringify(dir)} (asc or desc)`);
    if (seen.has(key)) throw new InvalidInputError(`Sort key given twice: ${key}`);
    seen.add(key);
    return { key: key as SortKey, dir };
  });
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,10}$/.test(text)) throw new InvalidInputError(`Invalid limit: ${JSON.stringify(text)} (expected a non-negative integer)`);
  return Math.min(Number(text), MAX_LIMIT);
}

/** Turn raw query parameters into a validated ListQuery (400 on anything malformed). */
export function parseListQuery(query: RawQuery): ListQuery {
  const columnFilters: Filter[] = [];
  const propertyFilters: Filter[] = [];
  for (const key of Object.keys(query)) {
    if (RESERVED.has(key)) continue;
    const raw = single(query, key);
    if (raw === undefined) continue;
    if (key.length > 255) throw new InvalidInputError('Filter name too long');
    const kind = COLUMN_FILTERS[key];
    if (kind) columnFilters.push(parseFilter(key, raw, kind));
    else propertyFilters.push(parseFilter(key, raw, 'text'));
  }
  const sizeMin = single(query, 'size_min');
  const sizeMax = single(query, 'size_max');
  if (sizeMin !== undefined) columnFilters.push({ field: 'size', op: 'gte', values: [parseInteger(sizeMin, 'size_min')] });
  if (sizeMax !== undefined) columnFilters.push({ field: 'size', op: 'lte', values: [parseInteger(sizeMax, 'size_max')] });

  const visibility = single(query, 'visibility');
  if (visibility !== undefined && visibility !== 'all' && !(VISIBILITIES as readonly string[]).includes(visibility)) {
    throw new InvalidInputError(`Invalid visibility filter: ${JSON.stringify(visibility)}`);
  }
  const memberStatus = single(query, 'member_status') ?? 'accepted';
  if (memberStatus !== 'all' && !(MEMBER_STATUSES as readonly string[]).includes(memberStatus)) {
    throw new InvalidInputError(`Invalid member_status filter: ${JSON.stringify(memberStatus)}`);
  }
  const osHidden = single(query, 'os_hidden');
  const q = single(query, 'q');
  if (q !== undefined && q.length > 1000) throw new InvalidInputError('Search text too long');
  return {
    columnFilters,
    propertyFilters,
    tags: all(query, 'tag'),
    q: q?.trim() ? q : undefined,
    visibility: visibility as ListQuery['visibility'],
    memberStatus: memberStatus as ListQuery['memberStatus'],
    osHidden: osHidden === undefined ? undefined : parseBoolean(osHidden, 'os_hidden') === 1,
    sort: parseSort(query),
    limit: parseLimit(single(query, 'limit')),
    marker: single(query, 'marker'),
  };
}
