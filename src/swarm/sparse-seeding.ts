import type { Torrent, Wire } from 'webtorrent';

/** A piece a peer fetched from its offers waits this long for another peer to take it up before its slot is freed anyway. */
export const SHARE_WAIT_MS = 1_500;

/** The wire methods this touches (bittorrent-protocol). */
interface WireInternals {
  type?: string;
  hasFast: boolean;
  destroyed: boolean;
  peerPieces: { get(index: number): boolean };
  bitfield(bits: Uint8Array | { buffer: Uint8Array }): void;
  haveAll(): void;
  haveNone(): void;
  have(index: number): void;
  on(event: string, listener: (...args: never[]) => void): void;
}

/** What one peer has been shown, and how many of its slots are taken. */
interface PeerOffers {
  /** Every piece announced to it (a HAVE cannot be taken back). */
  shown: Set<number>;
  /** Shown and not fetched yet. */
  open: Set<number>;
  /** Fetched, and since when, until another peer has it too. */
  fetched: Map<number, number>;
  /** Pieces counted in `holders` for this peer. */
  counted: Uint8Array;
}

/**
 * Sparse seeding for a seed that holds every piece (Teller), after BitTorrent's
 * super-seeding (BEP 16): a peer is not shown the whole bitfield but `window` pieces at a
 * time, the ones fewest peers have or were shown, and gets another only when a piece it
 * fetched has reached another peer (or no other peer lacks it, or SHARE_WAIT_MS passed).
 * A plain seed hands the same rare pieces to every peer that asks, so it sends much of
 * the image several times while the peers, holding little that is new to each other,
 * wait on it; here the origin sends each piece about once and the peers pass it on. With
 * one peer alone the window just moves along as it fetches. Standard clients follow it
 * (it is only HAVE messages); requests for pieces not shown are still served.
 */
export function seedSparingly(torrent: Torrent, window = 2): void {
  const pieces = (): number => (torrent as unknown as { pieces: unknown[] }).pieces.length;
  let holders: Int32Array | undefined; // per piece: peers that have it
  let shownOpen: Int32Array | undefined; // per piece: peers shown it that have not fetched it
  const peers = new Map<WireInternals, PeerOffers>();
  const counts = () => {
    holders ??= new Int32Array(pieces());
    shownOpen ??= new Int32Array(pieces());
    return { holders, shownOpen };
  };

  /** The piece to show next: one this peer lacks and was not shown, fewest holders and open offers first, ties at random. */
  const pick = (wire: WireInternals, offers: PeerOffers): number | undefined => {
    const { holders, shownOpen } = counts();
    let best: number | undefined;
    let bestScore = Infinity;
    let ties = 0;
    for (let i = 0; i < holders.length; i++) {
      if (offers.shown.has(i) || wire.peerPieces.get(i)) continue;
      const score = holders[i]! + shownOpen[i]!;
      if (score < bestScore) {
        best = i;
        bestScore = score;
        ties = 1;
      } else if (score === bestScore && Math.random() * ++ties < 1) best = i;
    }
    return best;
  };

  const refill = (wire: WireInternals): void => {
    const offers = peers.get(wire);
    if (!offers || wire.destroyed) return;
    while (offers.open.size + offers.fetched.size < window) {
      const index = pick(wire, offers);
      if (index === undefined) return;
      offers.shown.add(index);
      offers.open.add(index);
      counts().shownOpen[index]!++;
      wire.have(index);
    }
  };

  /** Some other connected peer still lacks this piece. */
  const othersLack = (wire: WireInternals, index: number): boolean => {
    for (const other of peers.keys()) if (other !== wire && !other.peerPieces.get(index)) return true;
    return false;
  };

  /** Frees a fetched piece's slot once it has spread (or cannot, or waited long enough); true if it did. */
  const release = (wire: WireInternals, offers: PeerOffers, index: number, now: number): boolean => {
    const since = offers.fetched.get(index);
    if (since === undefined) return false;
    if (counts().holders[index]! < 2 && othersLack(wire, index) && now - since < SHARE_WAIT_MS) return false;
    offers.fetched.delete(index);
    return true;
  };

  /** Brings `holders` in line with what the peer says it has (after a bitfield or have-all). */
  const recount = (wire: WireInternals, offers: PeerOffers): void => {
    const { holders } = counts();
    for (let i = 0; i < holders.length; i++) {
      const has = wire.peerPieces.get(i) ? 1 : 0;
      if (has !== offers.counted[i]) {
        holders[i]! += has - offers.counted[i]!;
        offers.counted[i] = has;
      }
      if (has) gotPiece(offers, i);
    }
  };

  /** The peer has piece `index` now: an open offer becomes a fetched one. */
  const gotPiece = (offers: PeerOffers, index: number): void => {
    if (offers.open.delete(index)) {
      counts().shownOpen[index]!--;
      offers.fetched.set(index, Date.now());
    }
  };

  const onHave = (wire: WireInternals, index: number): void => {
    const offers = peers.get(wire);
    if (!offers || offers.counted[index]) return;
    offers.counted[index] = 1;
    counts().holders[index]!++;
    gotPiece(offers, index);
    const now = Date.now();
    for (const [other, theirs] of peers) if (release(other, theirs, index, now)) refill(other);
    refill(wire);
  };

  const sweep = (): void => {
    const now = Date.now();
    for (const [wire, offers] of peers) {
      for (const index of [...offers.fetched.keys()]) release(wire, offers, index, now);
      refill(wire);
    }
  };
  const timer = setInterval(sweep, 1000);
  timer.unref();
  torrent.once('close', () => clearInterval(timer));

  torrent.on('wire', (w: Wire) => {
    const wire = w as unknown as WireInternals;
    if (wire.type === 'webSeed') return;
    const offers: PeerOffers = { shown: new Set(), open: new Set(), fetched: new Map(), counted: new Uint8Array(pieces()) };
    // webtorrent announces everything right after the handshake (have-all or a full bitfield): announce nothing instead, then the first offers.
    const sendBitfield = wire.bitfield.bind(wire);
    const announceNone = () => {
      if (peers.has(wire)) return;
      if (wire.hasFast) wire.haveNone();
      else sendBitfield(new Uint8Array(Math.ceil(pieces() / 8)));
      peers.set(wire, offers);
      recount(wire, offers);
      refill(wire);
    };
    wire.haveAll = announceNone;
    wire.bitfield = announceNone;
    // A late bitfield or have-all (the peer's announcement may come after ours).
    for (const event of ['bitfield', 'have-all']) {
      wire.on(event, () => {
        if (!peers.has(wire)) return;
        recount(wire, offers);
        sweep();
      });
    }
    wire.on('have', (index: number) => onHave(wire, index));
    wire.on('close', () => {
      if (!peers.delete(wire)) return;
      const { holders, shownOpen } = counts();
      for (let i = 0; i < holders.length; i++) holders[i]! -= offers.counted[i]!;
      for (const index of offers.open) shownOpen[index]!--;
      sweep();
    });
  });
}
