/** Print rows as an aligned text table. */
export function formatTable(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n') + '\n';
}

/** Print an object as `key  value` lines, keys sorted. */
export function formatRecord(record: Record<string, unknown>): string {
  const rows = Object.keys(record)
    .sort()
    .map((k) => ({ property: k, value: record[k] }));
  return formatTable(rows, ['property', 'value']);
}

/** Write to stdout. */
export function out(text: string): void {
  process.stdout.write(text);
}

/** Write JSON to stdout. */
export function outJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
