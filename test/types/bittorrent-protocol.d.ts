// bittorrent-protocol ships no types; tests use it to write a hostile peer.
declare module 'bittorrent-protocol' {
  import type { Duplex } from 'node:stream';
  export default class Wire extends Duplex {
    constructor(type?: string | null, retries?: number, peEnabled?: boolean);
    handshake(infoHash: string, peerId: string, extensions?: object): void;
    bitfield(bitfield: Uint8Array | { buffer: Uint8Array }): void;
    unchoke(): void;
    choke(): void;
    have(index: number): void;
  }
}
