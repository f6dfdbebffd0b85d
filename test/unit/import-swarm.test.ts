import { tmpdir } from 'node:os';
import bencode from 'bencode';
import { describe, expect, it } from 'vitest';
import { ImportFailedError } from '../../src/cli/import-failure.js';
import { checkDiskRoom } from '../../src/core/disk-room.js';
import { EXIT, exitCodeFor } from '../../src/cli/exit-codes.js';
import { formatsFor } from '../../src/seeder/import-swarm/image-formats.js';
import { composeMagnet, originMagnet, parseMagnet } from '../../src/seeder/import-swarm/magnet-link.js';
import { parseTorrentFile } from '../../src/seeder/import-swarm/torrent-file.js';
import { pickFile, safeSegment, torrentLayout } from '../../src/seeder/import-swarm/torrent-layout.js';

const HEX = '0123456789abcdef0123456789abcdef01234567';
const enc = (v: unknown) => Buffer.from(bencode.encode(v));

describe('magnet links', () => {
  it('reads hex and base32 infohashes, names, http(s)/udp trackers, web seeds, exact sources and peers', () => {
    const base32 = 'AERUKZ4JVPG66AJDIVTYTK6N54ASGRLH';
    const link = parseMagnet(`magnet:?xt=urn:btih:${base32}&dn=my%20image&tr=udp%3A%2F%2Ft.example%3A80&tr=wss%3A%2F%2Fweb.example&tr=https%3A%2F%2Ft2.example%2Fannounce&ws=http%3A%2F%2Fmirror%2Fx.img&xs=http%3A%2F%2Fh%2Fx.torrent&x.pe=10.0.0.1:6881`);
    expect(link).toEqual({
      infohash: HEX,
      name: 'my image',
      trackers: ['udp://t.example:80', 'https://t2.example/announce'],
      webSeeds: ['http://mirror/x.img'],
      exactSources: ['http://h/x.torrent'],
      peers: ['10.0.0.1:6881'],
    });
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX.toUpperCase()}`).infohash).toBe(HEX);
  });

  it('refuses what is not a usable v1 magnet', () => {
    for (const bad of [undefined, 42, 'http://x', 'magnet:?dn=x', 'magnet:?xt=urn:btih:abc', `magnet:?xt=urn:btmh:1220${'a'.repeat(64)}`, `magnet:?xt=urn:btih:${HEX}&tr=ftp%3A%2F%2Fx`, `magnet:?xt=urn:btih:${HEX}&x.pe=nope`, `magnet:?xt=urn:btih:${HEX}&ws=notaurl`, `magnet:?xt=urn:btih:${HEX}&${'x'.repeat(17000)}`]) {
      expect(() => parseMagnet(bad), String(bad).slice(0, 60)).toThrow(expect.objectContaining({ kind: 'invalid' }));
    }
  });

  it('passes webtorrent only the sources this Teller uses, and records an origin without tracker URLs', () => {
    const link = parseMagnet(`magnet:?xt=urn:btih:${HEX}&dn=a&tr=http%3A%2F%2Ft%2Fannounce%3Fpasskey%3Dsecret&ws=http%3A%2F%2Fw%2Fa&xs=http%3A%2F%2Fx%2Fa.torrent`);
    const none = parseMagnet(composeMagnet(link, { webSeeds: false, exactSources: false }));
    expect(none).toMatchObject({ infohash: HEX, trackers: ['http://t/announce?passkey=secret'], webSeeds: [], exactSources: [] });
    expect(parseMagnet(composeMagnet(link, { webSeeds: true, exactSources: true }))).toEqual(link);
    expect(originMagnet(HEX, 'a b')).toBe(`magnet:?xt=urn:btih:${HEX}&dn=a%20b`);
  });
});

describe('torrent files and layouts', () => {
  const info = {
    name: 'bundle',
    'piece length': 16384,
    pieces: Buffer.alloc(20),
    files: [
      { length: 10, path: [Buffer.from('..'), Buffer.from('..'), Buffer.from('etc'), Buffer.from('passwd')] },
      { length: 5, path: [Buffer.from('.pad'), Buffer.from('5')], attr: Buffer.from('p') },
      { length: 3, path: [Buffer.from('a\u0000b'), Buffer.from('c\\d')] },
      { length: 4, path: [Buffer.from('ok.txt')], 'path.utf-8': [Buffer.from('ok.txt')] },
      { length: 4, path: [Buffer.from('ok.txt')] },
      { length: 0, path: [] },
    ],
  };

  it('cleans every member name: no .., no separators or control characters inside a part; padding files left out', () => {
    const layout = torrentLayout(bencode.decode(enc(info)));
    expect(layout.multiFile).toBe(true);
    expect(layout.files).toEqual([
      { path: 'bundle/__/__/etc/passwd', length: 10, offset: 0 },
      { path: 'bundle/a_b/c_d', length: 3, offset: 15 },
      { path: 'bundle/ok.txt', length: 4, offset: 18 },
      { path: 'bundle/ok.txt~1', length: 4, offset: 22 },
      { path: 'bundle/_', length: 0, offset: 26 },
    ]);
    for (const f of layout.files) expect(f.path.split('/')).not.toContain('..');
    expect(safeSegment('.')).toBe('_');
    expect(safeSegment('../x')).toBe('.._x');
  });

  it('a single-file torrent is one file named by the torrent; file= finds a file with or without the torrent name', () => {
    expect(torrentLayout({ name: Buffer.from('x.qcow2'), length: 99 })).toEqual({ name: 'x.qcow2', files: [{ path: 'x.qcow2', length: 99, offset: 0 }], multiFile: false });
    const layout = torrentLayout(bencode.decode(enc(info)));
    expect(pickFile(layout, 'ok.txt').path).toBe('bundle/ok.txt');
    expect(pickFile(layout, './bundle/ok.txt~1').offset).toBe(22);
    expect(() => pickFile(layout, 'missing')).toThrow(/no file "missing".*holds 5 file\(s\): bundle\/__\/__\/etc\/passwd/);
  });

  it('checks a .torrent: bencode, an info dict, pieces that fit the length', () => {
    expect(() => parseTorrentFile(Buffer.from('nope'))).toThrow(/bencode/);
    expect(() => parseTorrentFile(enc({ announce: 'x' }))).toThrow(/info dictionary/);
    expect(() => parseTorrentFile(enc({ info: { name: 'a', length: 40000, 'piece length': 16384, pieces: Buffer.alloc(20) } }))).toThrow(/piece count/);
    const ok = parseTorrentFile(enc({ info: { name: 'a', length: 40000, 'piece length': 16384, pieces: Buffer.alloc(60) } }));
    expect(ok).toMatchObject({ length: 40000, infohash: expect.stringMatching(/^[0-9a-f]{40}$/) });
  });

  it('guesses formats by extension; several files are a tar', () => {
    expect(formatsFor('cirros.QCOW2', false)).toEqual({ disk_format: 'qcow2', container_format: 'bare' });
    expect(formatsFor('debian.iso', false)).toEqual({ disk_format: 'iso', container_format: 'bare' });
    expect(formatsFor('appliance.ova', false)).toEqual({ disk_format: 'vmdk', container_format: 'ova' });
    expect(formatsFor('rootfs.tar.gz', false)).toEqual({ disk_format: 'raw', container_format: 'tar.gz' });
    expect(formatsFor('unknown.bin', false)).toEqual({ disk_format: 'raw', container_format: 'bare' });
    expect(formatsFor('bundle', true)).toEqual({ disk_format: 'raw', container_format: 'tar' });
  });

  it('refuses a download the temp folder cannot hold', async () => {
    await expect(checkDiskRoom(tmpdir(), 2 ** 60)).rejects.toThrow(/Not enough disk/);
    await expect(checkDiskRoom(tmpdir(), 1)).resolves.toBeUndefined();
  });
});

describe('exit codes of a killed import', () => {
  it('follow Teller\'s reason', () => {
    const code = (reason: string | null) => exitCodeFor(new ImportFailedError('id', reason));
    expect(code('No peers found for infohash abc within 2.5 s')).toBe(EXIT.NETWORK);
    expect(code('The swarm of infohash abc made no progress for 4 s (0 peer(s) connected)')).toBe(EXIT.NETWORK);
    expect(code('Could not reach http://x: ECONNREFUSED')).toBe(EXIT.NETWORK);
    expect(code('No valid metadata for infohash abc within 2 s: 1 peer(s) sent metadata that does not match the infohash and were refused')).toBe(EXIT.VERIFICATION);
    expect(code('The copied bytes hash to 00, the source image says 11')).toBe(EXIT.VERIFICATION);
    expect(code('Cancelled: image x was deleted or changed status while its data was being added')).toBe(EXIT.CONFLICT);
    expect(code('The import would be 30 bytes; the limit is 20')).toBe(EXIT.FAILURE);
    expect(code(null)).toBe(EXIT.FAILURE);
  });
});
