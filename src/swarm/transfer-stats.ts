import type { Torrent, Wire } from 'webtorrent';

/** Bytes of one torrent by where they came from or went. */
export interface TransferCounts {
  /** Piece data received from BitTorrent peers. */
  fromPeers: number;
  /** Piece data received from web seeds (Teller over HTTP). */
  fromWebSeeds: number;
  /** Piece data sent to peers. */
  uploaded: number;
}

/**
 * Counts a torrent's traffic in our own layer, split into swarm and HTTP bytes
 * (webtorrent's totals mix them, and its final announce carries no counts).
 */
export class TransferStats implements TransferCounts {
  fromPeers = 0;
  fromWebSeeds = 0;
  uploaded = 0;

  /** `totals` also gets every byte: the client's counts over all its torrents, removed ones included. */
  constructor(torrent: Torrent, onUpload?: (bytes: number) => void, totals?: TransferCounts) {
    torrent.on('wire', (wire: Wire) => {
      const web = wire.type === 'webSeed';
      wire.on('download', (bytes: number) => {
        if (web) this.fromWebSeeds += bytes;
        else this.fromPeers += bytes;
        if (totals && web) totals.fromWebSeeds += bytes;
        else if (totals) totals.fromPeers += bytes;
      });
      wire.on('upload', (bytes: number) => {
        this.uploaded += bytes;
        if (totals) totals.uploaded += bytes;
        onUpload?.(bytes);
      });
    });
  }

  snapshot(): TransferCounts {
    return { fromPeers: this.fromPeers, fromWebSeeds: this.fromWebSeeds, uploaded: this.uploaded };
  }
}
