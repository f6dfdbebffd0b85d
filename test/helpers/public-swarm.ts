import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import bencode from 'bencode';
import Server from 'bittorrent-tracker/server';
import { tempDir } from './temp-dir.js';

/** A plain, public bittorrent-tracker on 127.0.0.1 (HTTP only): the "external" tracker of a public swarm. */
export interface PublicTracker {
  announce: string;
  /** Peers that announced as seeders of `infohash` (to wait until a seeder is findable). */
  seeders(infohash: string): number;
  /** Peers, seeders or not, in `infohash`'s swarm. */
  peers(infohash: string): number;
  close(): Promise<void>;
}

/** Start bittorrent-tracker from npm, as anyone on the internet would run it (no whitelist, no passkeys). */
export async function startPublicTracker(): Promise<PublicTracker> {
  const server = new Server({ http: true, udp: false, ws: false, stats: false, interval: 2000 }) as Server & {
    http: { address(): { port: number } };
    listen(port: number, host: string, cb: () => void): void;
    torrents: Record<string, { complete?: number; incomplete?: number } | undefined>;
  };
  server.on('warning', () => undefined);
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    announce: `http://127.0.0.1:${server.http.address().port}/announce`,
    seeders: (infohash) => server.torrents[infohash]?.complete ?? 0,
    peers: (infohash) => (server.torrents[infohash]?.complete ?? 0) + (server.torrents[infohash]?.incomplete ?? 0),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A public (non-private) torrent made by the test, with its payload on disk. */
export interface PublicTorrent {
  torrent: Buffer;
  infohash: string;
  name: string;
  /** The folder webtorrent or aria2 seed from (the payload is `<root>/<name>`). */
  root: string;
  magnet(trackers: string[]): string;
  remove(): void;
}

// Imported by name at run time: create-torrent ships no types.
const CREATE_TORRENT = 'create-torrent';

/**
 * Write `files` (one entry: a single-file torrent named by its key; several: a folder
 * `name` holding them) and make a public torrent of them announcing to `announce`.
 */
export async function makePublicTorrent(name: string, files: Record<string, Buffer>, announce: string[], pieceLength = 64 * 1024): Promise<PublicTorrent> {
  const dir = tempDir('glance-p2p-public-');
  const entries = Object.entries(files);
  const single = entries.length === 1 && entries[0]![0] === name;
  for (const [path, data] of entries) {
    const target = single ? join(dir.path, name) : join(dir.path, name, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
  }
  const createTorrent = ((await import(CREATE_TORRENT)) as { default: (input: string, opts: object, cb: (err: Error | null, torrent: Buffer) => void) => void }).default;
  const torrent = await new Promise<Buffer>((resolve, reject) =>
    createTorrent(join(dir.path, name), { name, announceList: [announce], private: false, pieceLength, createdBy: 'test', urlList: [] }, (err, t) => (err ? reject(err) : resolve(Buffer.from(t)))),
  );
  const info = bencode.decode(torrent).info;
  const infohash = createHash('sha1').update(bencode.encode(info)).digest('hex');
  return {
    torrent,
    infohash,
    name,
    root: dir.path,
    magnet: (trackers) => magnetUri(infohash, name, trackers),
    remove: () => dir.remove(),
  };
}

/** A magnet link with a name and trackers. */
export function magnetUri(infohash: string, name: string, trackers: string[]): string {
  return `magnet:?xt=urn:btih:${infohash}&dn=${encodeURIComponent(name)}${trackers.map((t) => `&tr=${encodeURIComponent(t)}`).join('')}`;
}

/** A lone mainline DHT node on this machine (a webtorrent client with no torrents): the bootstrap node of a test DHT. */
export interface DhtNode {
  address: string;
  stop(): Promise<void>;
}

// Imported by name at run time: webtorrent ships no types for tests (src/types declares them for src only).
const WEBTORRENT = 'webtorrent';

/** Start a DHT node that knows no other node; peers that bootstrap from it find each other. */
export async function startDhtNode(): Promise<DhtNode> {
  type Client = { dht: { address(): { port: number }; listening: boolean; once(e: 'listening', cb: () => void): void }; destroy(cb: () => void): void };
  const WebTorrent = ((await import(WEBTORRENT)) as { default: new (opts: Record<string, unknown>) => Client }).default;
  const client = new WebTorrent({ dht: { bootstrap: [] }, lsd: false, utPex: false, natUpnp: false, natPmp: false, utp: false, tracker: false });
  if (!client.dht.listening) await new Promise<void>((resolve) => client.dht.once('listening', resolve));
  return { address: `127.0.0.1:${client.dht.address().port}`, stop: () => new Promise((resolve) => client.destroy(() => resolve())) };
}
