import { describe, expect, it } from 'vitest';
import type { Torrent, Wire } from 'webtorrent';
import { preferOwnPartialPieces } from '../../src/swarm/partial-pieces-first.js';

/** A stand-in with webtorrent's piece table, rarity map and request call; rarest is always piece 9. */
function fakeTorrent(pieces: number) {
  const torrent = {
    pieces: Array.from({ length: pieces }, () => ({ missing: 10 }) as { missing: number } | null),
    _rarityMap: { getRarestPiece: (filter: (i: number) => boolean) => (filter(9) ? 9 : -1) },
    picks: [] as number[],
    _request(_wire: Wire, _index: number) {
      return true;
    },
    _updateWire(wire: Wire) {
      // webtorrent's walk: pick a piece, request from it
      const piece = torrent._rarityMap.getRarestPiece(() => true);
      torrent.picks.push(piece);
      torrent._request(wire, piece);
      void wire;
    },
  };
  return torrent;
}

describe('preferOwnPartialPieces', () => {
  it('gives a peer more of the pieces it started, the nearest to done first, before the rarest new one', () => {
    const t = fakeTorrent(12);
    preferOwnPartialPieces(t as unknown as Torrent);
    const a = { name: 'a' } as unknown as Wire;
    const b = { name: 'b' } as unknown as Wire;
    t._request(a, 3);
    t._request(a, 5);
    t.pieces[5]!.missing = 2;
    t._updateWire(a);
    t._updateWire(b); // b started nothing: rarest
    expect(t.picks).toEqual([5, 9]);
    t.pieces[5] = null; // verified and stored
    t._updateWire(a);
    expect(t.picks.at(-1)).toBe(3);
  });

  it('uses the rarity map outside a wire walk and for pieces webtorrent refused to request', () => {
    const t = fakeTorrent(12);
    t._request = () => false; // e.g. every block of the piece is already reserved
    preferOwnPartialPieces(t as unknown as Torrent);
    const a = {} as unknown as Wire;
    t._request(a, 4);
    t._updateWire(a);
    expect(t.picks).toEqual([9]);
    expect(t._rarityMap.getRarestPiece(() => true)).toBe(9);
  });
});
