/** Types for the part of bittorrent-tracker's server this project drives (the package ships none). */
declare module 'bittorrent-tracker/server' {
  import { EventEmitter } from 'node:events';

  /** What `filter` and the swarm get for one request; the tracker adds its own fields. */
  export interface ServerParams {
    action: number;
    info_hash: string;
    peer_id: string;
    event?: string;
    [extra: string]: unknown;
  }

  /** What a swarm answers to an announce; the server fills in `action` and `interval` when missing. */
  export interface ServerAnnounceResponse {
    action?: number;
    interval?: number;
    complete: number;
    incomplete: number;
    peers: unknown;
    [extra: string]: unknown;
  }

  /** The interface the server expects of a swarm (its own Swarm is the default). */
  export interface ServerSwarm {
    announce(params: ServerParams, cb: (err: Error | null, response?: ServerAnnounceResponse) => void): void;
    scrape(params: ServerParams, cb: (err: Error | null, response?: { complete: number; incomplete: number }) => void): void;
  }

  export interface ServerOptions {
    interval?: number;
    http?: boolean | object;
    udp?: boolean | object;
    ws?: boolean | object;
    stats?: boolean;
    trustProxy?: boolean;
    filter?: (infoHash: string, params: ServerParams, cb: (err?: Error | null) => void) => void;
  }

  export default class Server extends EventEmitter {
    constructor(opts?: ServerOptions);
    intervalMs: number;
    torrents: Record<string, ServerSwarm>;
    createSwarm(infoHash: string, cb: (err: Error | null, swarm?: ServerSwarm) => void): void;
    getSwarm(infoHash: string, cb: (err: Error | null, swarm?: ServerSwarm) => void): void;
    close(cb?: (err?: Error | null) => void): void;
    /** Dispatch one parsed request: connect, announce (filter → swarm) or scrape. */
    _onRequest(params: ServerParams, cb: (err: Error | null, response?: ServerAnnounceResponse) => void): void;
  }
}
