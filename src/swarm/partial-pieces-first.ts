import type { Torrent, Wire } from 'webtorrent';

/** The webtorrent internals this touches (not part of its public API). */
interface TorrentInternals {
  _rarityMap?: { getRarestPiece(filter: (i: number) => boolean): number };
  _updateWire(wire: Wire): void;
  _reservations: Array<Array<Wire | null> | undefined>;
  pieces: Array<{ missing: number; sources: Wire[] | null } | null>;
}

/**
 * Rarest first, but each peer finishes the pieces it started (as libtorrent does).
 * webtorrent's rarest strategy picks a random piece among the rarest for every batch of
 * requests, so with a bounded request pipeline the blocks of a download spread over
 * hundreds of half-received pieces: memory grows with the image, peers get whole pieces
 * late, and every piece mixes blocks from several peers, so a bad peer taints them all
 * and cannot be told from the good ones. Here a peer is first given more blocks of the
 * pieces it already has requests in; only then the rarest new piece.
 */
export function preferOwnPartialPieces(torrent: Torrent): void {
  const t = torrent as unknown as TorrentInternals;
  let current: Wire | undefined;
  const updateWire = t._updateWire.bind(t);
  t._updateWire = (wire: Wire) => {
    current = wire;
    try {
      updateWire(wire);
    } finally {
      current = undefined;
    }
  };
  const install = () => {
    const map = t._rarityMap;
    if (!map) return;
    const rarest = map.getRarestPiece.bind(map);
    map.getRarestPiece = (filter) => {
      if (!current) return rarest(filter);
      let best = -1;
      let bestMissing = Infinity;
      for (const key in t._reservations) {
        const index = Number(key);
        const piece = t.pieces[index];
        // started by this peer: it holds requests in it, or sent blocks of it already
        if (!piece || !(t._reservations[index]?.includes(current) || piece.sources?.includes(current)) || !filter(index)) continue;
        if (piece.missing < bestMissing) {
          best = index;
          bestMissing = piece.missing;
        }
      }
      return best >= 0 ? best : rarest(filter);
    };
  };
  if (t._rarityMap) install();
  else torrent.once('ready', install);
}
