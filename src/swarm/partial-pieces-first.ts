import type { Torrent, Wire } from 'webtorrent';

/** The webtorrent internals this touches (not part of its public API). */
interface TorrentInternals {
  _rarityMap?: { getRarestPiece(filter: (i: number) => boolean): number };
  _updateWire(wire: Wire): void;
  _request(wire: Wire, index: number, hotswap: boolean): boolean;
  pieces: Array<{ missing: number } | null>;
}

/**
 * Rarest first, but each peer finishes the pieces it started (as libtorrent does).
 * webtorrent's rarest strategy picks a random piece among the rarest for every batch of
 * requests, so with a bounded request pipeline the blocks of a download spread over
 * hundreds of half-received pieces: memory grows with the image, peers get whole pieces
 * late, and every piece mixes blocks from several peers, so a bad peer taints them all
 * and cannot be told from the good ones. Here a peer is first given more blocks of the
 * pieces it was already asked for; only then the rarest new piece. Each peer's started
 * pieces are kept as they are requested, so the choice costs O(pieces it started), not
 * a scan of every piece's reservations for every block requested.
 */
export function preferOwnPartialPieces(torrent: Torrent): void {
  const t = torrent as unknown as TorrentInternals;
  const started = new WeakMap<Wire, Set<number>>();
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
  const request = t._request.bind(t);
  t._request = (wire: Wire, index: number, hotswap: boolean) => {
    const made = request(wire, index, hotswap);
    if (made) {
      let own = started.get(wire);
      if (!own) started.set(wire, (own = new Set()));
      own.add(index);
    }
    return made;
  };
  const install = () => {
    const map = t._rarityMap;
    if (!map) return;
    const rarest = map.getRarestPiece.bind(map);
    map.getRarestPiece = (filter) => {
      const own = current && started.get(current);
      if (!own) return rarest(filter);
      let best = -1;
      let bestMissing = Infinity;
      for (const index of own) {
        const piece = t.pieces[index];
        if (!piece) {
          own.delete(index); // verified and stored
          continue;
        }
        if (piece.missing < bestMissing && filter(index)) {
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
