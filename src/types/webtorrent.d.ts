// webtorrent 3 ships no types; this declares the part our swarm layer uses.
declare module 'webtorrent' {
  import type { EventEmitter } from 'node:events';

  export interface Wire extends EventEmitter {
    type: string;
    peerId: string;
    remoteAddress: string;
    remotePort: number;
    downloaded: number;
    uploaded: number;
    peerPieces: { get(index: number): boolean };
    destroy(): void;
  }

  export interface Torrent extends EventEmitter {
    infoHash: string;
    name: string;
    length: number;
    pieceLength: number;
    pieces: unknown[];
    done: boolean;
    ready: boolean;
    paused: boolean;
    destroyed: boolean;
    progress: number;
    downloaded: number;
    uploaded: number;
    received: number;
    downloadSpeed: number;
    uploadSpeed: number;
    numPeers: number;
    wires: Wire[];
    bitfield: { get(index: number): boolean };
    addPeer(peer: string | object, type?: string): boolean;
    addWebSeed(url: string): void;
    removePeer(peer: string | Wire): void;
    destroy(opts?: { destroyStore?: boolean }, cb?: (err?: Error | null) => void): void;
    pause(): void;
    resume(): void;
  }

  export interface AddOptions {
    announce?: string[];
    path?: string;
    store?: unknown;
    storeOpts?: Record<string, unknown>;
    storeCacheSlots?: number;
    skipVerify?: boolean;
    strategy?: 'rarest' | 'sequential';
    private?: boolean;
    maxWebConns?: number;
    destroyStoreOnDestroy?: boolean;
  }

  export default class WebTorrent extends EventEmitter {
    constructor(opts?: Record<string, unknown>);
    torrents: Torrent[];
    torrentPort: number;
    listening: boolean;
    destroyed: boolean;
    maxConns: number;
    add(torrent: Uint8Array | string | object, opts?: AddOptions, onTorrent?: (torrent: Torrent) => void): Torrent;
    remove(torrent: string | Torrent, opts?: { destroyStore?: boolean }, cb?: (err?: Error | null) => void): Promise<void> | void;
    get(torrent: string): Promise<Torrent | null> | Torrent | null;
    destroy(cb?: (err?: Error | null) => void): void;
    address(): { address: string; port: number } | null;
  }
}

// webtorrent's connection wrapper, reached for its prototype only (see src/swarm/direct-pipes.ts).
declare module 'webtorrent/lib/peer.js' {
  const Peer: new (...args: never[]) => unknown;
  export default Peer;
}
