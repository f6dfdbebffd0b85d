// bittorrent-protocol ships no types. The swarm code reaches its prototype (src/swarm/wire-limits.ts);
// tests use it to write hostile peers.
declare module 'bittorrent-protocol' {
  import type { Duplex } from 'node:stream';
  export default class Wire extends Duplex {
    constructor(type?: string | null, retries?: number, peEnabled?: boolean);
    handshake(infoHash: string, peerId: string, extensions?: object): void;
    bitfield(bitfield: Uint8Array | { buffer: Uint8Array }): void;
    unchoke(): void;
    choke(): void;
    interested(): void;
    have(index: number): void;
    request(index: number, offset: number, length: number, cb: (err: Error | null, block?: Uint8Array) => void): void;
  }
}
