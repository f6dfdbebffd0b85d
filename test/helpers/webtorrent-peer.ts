import { mkdirSync } from 'node:fs';
import { tempDir } from './temp-dir.js';

/** The part of a webtorrent Torrent the tests use. */
export interface WebtorrentTorrent {
  infoHash: string;
  done: boolean;
  uploaded: number;
  downloaded: number;
  numPeers: number;
  progress: number;
  on(event: 'done' | 'ready', cb: () => void): void;
  on(event: 'warning' | 'error', cb: (err: Error | string) => void): void;
  once(event: 'done' | 'ready', cb: () => void): void;
}

/** The part of a webtorrent client the tests use. */
export interface WebtorrentClient {
  torrentPort: number;
  add(torrent: Buffer, opts: { path: string }, onTorrent?: (t: WebtorrentTorrent) => void): WebtorrentTorrent;
  on(event: 'error', cb: (err: Error) => void): void;
  on(event: 'listening', cb: () => void): void;
  once(event: 'listening', cb: () => void): void;
  listening: boolean;
  destroy(cb?: (err?: Error) => void): void;
}

/** How to run one in-process webtorrent peer. */
export interface WebtorrentPeerOptions {
  torrent: Buffer;
  /** Folder that holds (or will hold) the payload; a temp dir (removed on stop) by default. Data already there is checked and seeded. */
  path?: string;
  /** TCP port for peers (0: any). */
  port?: number;
  /**
   * Peer-protocol encryption: webtorrent's default 1 never falls back to plaintext on
   * outgoing connections (REAL-PARTS.md), so the helper uses 0 unless told otherwise.
   */
  secure?: 0 | 1 | 2;
  /** uTP beside TCP (off by default: TCP only is what the other test peers speak). */
  utp?: boolean;
  /** Mainline DHT with these bootstrap nodes (`host:port`); off by default. */
  dhtBootstrap?: string[];
}

/** A webtorrent client with one torrent, DHT, LSD, PEX, UPnP and NAT-PMP off. */
export interface WebtorrentPeer {
  client: WebtorrentClient;
  torrent: WebtorrentTorrent;
  /** The TCP port it takes peer connections on (and announces). */
  port: number;
  path: string;
  /** Resolves when every piece is present and verified (at once for a seeder whose data checked out). */
  done(): Promise<void>;
  /** Warnings and errors the torrent reported (tracker failure reasons arrive as warnings). */
  warnings(): string[];
  /** Bytes of payload this peer sent and received. */
  counters(): { uploaded: number; downloaded: number; peers: number };
  stop(): Promise<void>;
}

// Imported by name at run time: the package ships no types, and this keeps the
// helper from declaring the module for the whole project.
const WEBTORRENT = 'webtorrent';

/** Start a webtorrent peer in this process for one torrent. */
export async function startWebtorrentPeer(options: WebtorrentPeerOptions): Promise<WebtorrentPeer> {
  const WebTorrent = ((await import(WEBTORRENT)) as { default: new (opts: Record<string, unknown>) => WebtorrentClient }).default;
  const temp = options.path ? undefined : tempDir('glance-p2p-webtorrent-');
  const path = options.path ?? temp!.path;
  mkdirSync(path, { recursive: true });
  const client = new WebTorrent({
    dht: options.dhtBootstrap ? { bootstrap: options.dhtBootstrap } : false,
    lsd: false,
    utPex: false,
    natUpnp: false,
    natPmp: false,
    webSeeds: false,
    utp: options.utp ?? false,
    secure: options.secure ?? 0,
    torrentPort: options.port ?? 0,
  });
  const warnings: string[] = [];
  client.on('error', (err) => warnings.push(`client error: ${err.message}`));
  if (!client.listening) await new Promise<void>((resolve) => client.once('listening', () => resolve()));
  const torrent = client.add(options.torrent, { path });
  torrent.on('warning', (w) => warnings.push(typeof w === 'string' ? w : w.message));
  torrent.on('error', (e) => warnings.push(`error: ${typeof e === 'string' ? e : e.message}`));
  const done = new Promise<void>((resolve) => {
    if (torrent.done) resolve();
    else torrent.once('done', () => resolve());
  });
  let stopped = false;
  return {
    client,
    torrent,
    port: client.torrentPort,
    path,
    done: () => done,
    warnings: () => [...warnings],
    counters: () => ({ uploaded: torrent.uploaded, downloaded: torrent.downloaded, peers: torrent.numPeers }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => client.destroy(() => resolve()));
      temp?.remove();
    },
  };
}
