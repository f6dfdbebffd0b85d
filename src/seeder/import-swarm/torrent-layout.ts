import { GlanceError } from '../../core/errors.js';

/** One file of a torrent under a name that is safe to put in a tar. */
export interface LayoutFile {
  /** `<torrent name>/<dirs>/<file>`, every part cleaned (no `..`, no control characters). */
  path: string;
  length: number;
  /** Where its bytes start in the torrent's byte space. */
  offset: number;
}

/** A torrent's files, from its info dict. */
export interface TorrentLayout {
  name: string;
  /** Real files in torrent order (BEP 47 padding files left out). */
  files: LayoutFile[];
  multiFile: boolean;
}

const text = (v: unknown): string => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : typeof v === 'string' ? v : '');

/** One path part made harmless: no separators, no control characters, never `.` or `..`. */
export function safeSegment(raw: string): string {
  let cleaned = '';
  for (const c of raw.slice(0, 255)) cleaned += c < ' ' || c === '\u007f' || c === '/' || c === '\\' ? '_' : c;
  if (cleaned === '' || cleaned === '.') return '_';
  return cleaned === '..' ? '__' : cleaned;
}

function isPadding(file: Record<string, unknown>, parts: string[]): boolean {
  return text(file['attr']).includes('p') || parts[0] === '.pad';
}

/**
 * The files of a torrent as they will be stored: names from the raw info dict (the
 * UTF-8 variants when present), each part cleaned so that no member of the tar can
 * point outside it, duplicates after cleaning told apart by a suffix.
 */
export function torrentLayout(info: Record<string, unknown>): TorrentLayout {
  const name = safeSegment(text(info['name.utf-8'] ?? info['name']) || 'torrent');
  const list = info['files'];
  if (!Array.isArray(list)) return { name, files: [{ path: name, length: Number(info['length']), offset: 0 }], multiFile: false };
  const files: LayoutFile[] = [];
  const taken = new Set<string>();
  let offset = 0;
  for (const entry of list as Array<Record<string, unknown>>) {
    const parts = ((entry['path.utf-8'] ?? entry['path']) as unknown[] | undefined ?? []).map(text);
    const length = Number(entry['length']);
    if (!isPadding(entry, parts)) {
      let path = [name, ...(parts.length ? parts : ['_']).map(safeSegment)].join('/');
      for (let n = 1; taken.has(path); n++) path = `${path}~${n}`;
      taken.add(path);
      files.push({ path, length, offset });
    }
    offset += length;
  }
  return { name, files, multiFile: true };
}

/** The file `wanted` names, given with or without the torrent's name in front; a clear reason when it is not there. */
export function pickFile(layout: TorrentLayout, wanted: string): LayoutFile {
  const normal = wanted.replace(/^(\.\/|\/)+/, '');
  const found = layout.files.find((f) => f.path === normal || f.path === `${layout.name}/${normal}`);
  if (found) return found;
  const names = layout.files.slice(0, 20).map((f) => f.path);
  throw new GlanceError('invalid', `The torrent has no file ${JSON.stringify(wanted)}; it holds ${layout.files.length} file(s): ${names.join(', ')}${layout.files.length > 20 ? ', …' : ''}`);
}
