import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { unpackImage } from '../../src/agent-peer/unpack/unpack.js';
import { tempDir } from '../helpers/temp-dir.js';

type Member = { name: string; type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo'; body?: string; linkname?: string };

async function makeTar(members: Member[]): Promise<Buffer> {
  const pack = tar.pack();
  const parts: Buffer[] = [];
  pack.on('data', (d: unknown) => parts.push(d as Buffer));
  for (const m of members) {
    await new Promise<void>((resolve, reject) =>
      m.type === undefined || m.type === 'file'
        ? pack.entry({ name: m.name, type: 'file' }, m.body ?? '', (err) => (err ? reject(err) : resolve()))
        : pack.entry({ name: m.name, type: m.type, ...(m.linkname ? { linkname: m.linkname } : {}) }, (err) => (err ? reject(err) : resolve())),
    );
  }
  pack.finalize();
  await new Promise<void>((r) => pack.on('end', () => r()));
  return Buffer.concat(parts);
}

/** A minimal zip (stored, no compression) with the given members. */
function makeZip(members: Array<{ name: string; body: string }>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name);
    const body = Buffer.from(m.body);
    const crc = crc32(body) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(body.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(0x031e, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(body.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);
    offset += 30 + name.length + body.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBuf, end]);
}

describe('unpacking by container_format, safely', () => {
  const dir = tempDir('glance-p2p-unpack-');
  afterAll(() => dir.remove());
  let n = 0;
  const fresh = () => {
    const root = join(dir.path, `case-${n++}`);
    mkdirSync(join(root, 'target'), { recursive: true });
    return { root, target: join(root, 'target'), archive: join(root, 'image.bin') };
  };

  it('extracts tar, tar.gz (and ova as tar) with folders and inside links', async () => {
    const members: Member[] = [
      { name: 'disk/', type: 'directory' },
      { name: 'disk/root.img', body: 'root disk' },
      { name: 'meta.ovf', body: '<ovf/>' },
      { name: 'current', type: 'symlink', linkname: 'disk/root.img' },
      { name: 'hard', type: 'link', linkname: 'meta.ovf' },
    ];
    for (const [format, gz] of [['tar', false], ['tar.gz', true], ['ova', false]] as const) {
      const c = fresh();
      const raw = await makeTar(members);
      writeFileSync(c.archive, gz ? gzipSync(raw) : raw);
      const result = await unpackImage(c.archive, format, c.target);
      expect(result.members).toBe(5);
      expect(readFileSync(join(c.target, 'disk/root.img'), 'utf8')).toBe('root disk');
      expect(readFileSync(join(c.target, 'current'), 'utf8')).toBe('root disk');
      expect(readFileSync(join(c.target, 'hard'), 'utf8')).toBe('<ovf/>');
    }
  });

  it('extracts zip', async () => {
    const c = fresh();
    writeFileSync(c.archive, makeZip([{ name: 'a/b.txt', body: 'hello' }, { name: 'c.txt', body: 'world' }]));
    expect((await unpackImage(c.archive, 'zip', c.target)).members).toBe(2);
    expect(readFileSync(join(c.target, 'a/b.txt'), 'utf8')).toBe('hello');
  });

  it('leaves bare images alone and sniffs "compressed"', async () => {
    const c = fresh();
    writeFileSync(c.archive, 'just a disk');
    expect(await unpackImage(c.archive, 'bare', c.target)).toEqual({ kind: 'none', members: 0 });
    writeFileSync(c.archive, gzipSync(await makeTar([{ name: 'x', body: 'y' }])));
    expect((await unpackImage(c.archive, 'compressed', c.target)).kind).toBe('tar.gz');
  });

  it.each<[string, Member[]]>([
    ['a ../ member', [{ name: 'ok.txt', body: 'fine' }, { name: '../escaped.txt', body: 'evil' }]],
    ['a nested ../ member', [{ name: 'a/../../escaped.txt', body: 'evil' }]],
    ['an absolute path', [{ name: '/tmp/glance-p2p-absolute-escape.txt', body: 'evil' }]],
    ['a symlink to /etc', [{ name: 'etc', type: 'symlink', linkname: '/etc' }, { name: 'etc/passwd-copy', body: 'evil' }]],
    ['a relative symlink out', [{ name: 'up', type: 'symlink', linkname: '../../..' }]],
    ['a hard link out', [{ name: 'h', type: 'link', linkname: '../outside.txt' }]],
    ['a device file', [{ name: 'dev', type: 'character-device' }]],
    ['a FIFO', [{ name: 'pipe', type: 'fifo' }]],
  ])('refuses %s and writes nothing outside the target (nor keeps anything inside)', async (_what, members) => {
    const c = fresh();
    writeFileSync(join(c.root, 'outside.txt'), 'keep');
    writeFileSync(c.archive, await makeTar(members));
    const before = readdirSync(c.root).sort();
    await expect(unpackImage(c.archive, 'tar', c.target)).rejects.toMatchObject({ kind: 'integrity', message: expect.stringMatching(/Refusing to unpack/) });
    expect(readdirSync(c.root).sort()).toEqual(before);
    expect(readdirSync(c.target)).toEqual([]);
    expect(existsSync('/tmp/glance-p2p-absolute-escape.txt')).toBe(false);
    expect(lstatSync('/etc').isDirectory()).toBe(true);
  });

  it('refuses a zip member that climbs out', async () => {
    const c = fresh();
    writeFileSync(c.archive, makeZip([{ name: '../zip-escape.txt', body: 'evil' }]));
    await expect(unpackImage(c.archive, 'zip', c.target)).rejects.toMatchObject({ kind: 'integrity' });
    expect(existsSync(join(c.root, 'zip-escape.txt'))).toBe(false);
  });
});
