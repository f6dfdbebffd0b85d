import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { LayoutFile } from './torrent-layout.js';

/** A fixed time for every member: the same torrent gives the same tar bytes, hence the same os_hash_value, on every Teller. */
const MTIME = new Date(0);

async function writeEntry(pack: tar.Pack, file: LayoutFile, source: Readable): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const entry = pack.entry({ name: file.path, size: file.length, mode: 0o644, mtime: MTIME, uid: 0, gid: 0, type: 'file' }, (err) => (err ? reject(err) : resolve()));
    void (async () => {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (!entry.write(chunk)) await new Promise<void>((r) => entry.once('drain', () => r()));
      }
      entry.end(null);
    })().catch((err: Error) => {
      entry.destroy(err);
      reject(err);
    });
  });
}

/**
 * A tar of the given files, each member's bytes from `open(file)`, written one after
 * the other in torrent order: a multi-file torrent stored as one image. Member names
 * are the layout's cleaned paths; regular files only, mode 0644, owned by root.
 */
export function tarOfFiles(files: LayoutFile[], open: (file: LayoutFile) => Readable): Readable {
  const pack = tar.pack();
  let current: Readable | undefined;
  void (async () => {
    for (const file of files) {
      current = open(file);
      await writeEntry(pack, file, current);
    }
    pack.finalize();
  })().catch((err: Error) => pack.destroy(err));
  const out = Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false, highWaterMark: 1 });
  out.once('close', () => current?.destroy());
  return out;
}
