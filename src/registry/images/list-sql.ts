import { IMAGE_COLUMNS_WITH_EXTRAS } from './image-repository.js';
import type { Filter, FilterOp, ListQuery, SortDir } from './list-query.js';

/** A piece of SQL with its positional parameters. Values never go into the text. */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

const COMPARATOR: Record<Exclude<FilterOp, 'in'>, string> = { eq: '=', neq: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=' };

function comparison(expr: string, filter: Filter): SqlFragment {
  if (filter.op === 'in') {
    return { sql: `${expr} IN (${filter.values.map(() => '?').join(', ')})`, params: filter.values };
  }
  return { sql: `${expr} ${COMPARATOR[filter.op]} ?`, params: filter.values };
}

/** Turn free text into an FTS5 query: every word quoted (no FTS syntax reaches SQLite) and prefix-matched. */
export function ftsExpression(text: string): string {
  const words = text.split(/\s+/).filter(Boolean).slice(0, 32);
  return words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
}

/** The "strictly after the marker" condition for keyset paging, NULL-aware (NULLs sort first ascending). */
function after(expr: string, dir: SortDir, value: unknown): SqlFragment {
  if (value === null || value === undefined) {
    return dir === 'asc' ? { sql: `${expr} IS NOT NULL`, params: [] } : { sql: '0', params: [] };
  }
  return dir === 'asc' ? { sql: `${expr} > ?`, params: [value] } : { sql: `(${expr} < ? OR ${expr} IS NULL)`, params: [value] };
}

function keyset(sort: Array<{ key: string; dir: SortDir }>, marker: Record<string, unknown>): SqlFragment {
  const ors: string[] = [];
  const params: unknown[] = [];
  for (let i = 0; i < sort.length; i++) {
    const ands: string[] = [];
    for (let j = 0; j < i; j++) {
      ands.push(`i.${sort[j]!.key} IS ?`);
      params.push(marker[sort[j]!.key]);
    }
    const step = after(`i.${sort[i]!.key}`, sort[i]!.dir, marker[sort[i]!.key]);
    ands.push(step.sql);
    params.push(...step.params);
    ors.push(`(${ands.join(' AND ')})`);
  }
  return { sql: `(${ors.join(' OR ')})`, params };
}

/** The full sort order, with id appended as the tie-breaker. */
export function effectiveSort(query: ListQuery): Array<{ key: string; dir: SortDir }> {
  const sort: Array<{ key: string; dir: SortDir }> = [...query.sort];
  if (!sort.some((s) => s.key === 'id')) sort.push({ key: 'id', dir: sort[sort.length - 1]?.dir ?? 'desc' });
  return sort;
}

/**
 * SELECT for one page of images. `scope` restricts rows to what the caller may see;
 * `marker` is the marker image's row when paging. Fetches limit + 1 rows so the
 * caller knows whether a next page exists.
 */
export function buildListSql(query: ListQuery, scope: SqlFragment, marker?: Record<string, unknown>): SqlFragment {
  const where: string[] = [scope.sql];
  const params: unknown[] = [...scope.params];
  const add = (f: SqlFragment) => {
    where.push(f.sql);
    params.push(...f.params);
  };
  for (const filter of query.columnFilters) add(comparison(`i.${filter.field}`, filter));
  for (const filter of query.propertyFilters) {
    const cmp = comparison('p.value', filter);
    add({ sql: `i.id IN (SELECT p.image_id FROM image_properties p WHERE p.name = ? AND ${cmp.sql})`, params: [filter.field, ...cmp.params] });
  }
  for (const tag of query.tags) add({ sql: 'i.id IN (SELECT t.image_id FROM image_tags t WHERE t.tag = ?)', params: [tag] });
  if (query.q) add({ sql: 'i.seq IN (SELECT rowid FROM images_fts WHERE images_fts MATCH ?)', params: [ftsExpression(query.q)] });
  if (query.osHidden !== undefined) add({ sql: 'i.os_hidden = ?', params: [query.osHidden ? 1 : 0] });
  else add({ sql: 'i.os_hidden = 0', params: [] });
  const sort = effectiveSort(query);
  if (marker) add(keyset(sort, marker));
  const order = sort.map((s) => `i.${s.key} ${s.dir.toUpperCase()}`).join(', ');
  // Two phases: pick and sort narrow (key, seq) tuples, then read full rows, tags and properties for the page only.
  return {
    sql: `SELECT ${IMAGE_COLUMNS_WITH_EXTRAS} FROM (SELECT i.seq FROM images i WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?) page JOIN images i ON i.seq = page.seq ORDER BY ${order}`,
    params: [...params, query.limit + 1],
  };
}
