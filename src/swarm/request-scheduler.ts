import type { Torrent, Wire } from 'webtorrent';

/** The webtorrent internals this touches (absent from its types). */
interface TorrentInternals {
  _update(): void;
  _updateWire(wire: Wire): unknown;
  destroyed: boolean;
  ready: boolean;
}

/**
 * Makes webtorrent's request scheduling cost O(wires) per event-loop turn instead
 * of per block. webtorrent refills request pipelines after every 16 KiB block
 * received (and every have, bitfield and unchoke): a walk over all wires in which
 * each wire scans the pieces for the rarest one again for every candidate piece it
 * tries, O(wires × pieces²) per block. With 16–32 peers that walk cost more CPU than
 * moving the data, so a CPU-bound swarm slowed down as it grew. Here the walks
 * asked for during one turn run once, at its end (the pipelines hold 0.5–1 s of
 * requests, so a turn's delay costs nothing), and wires we want nothing from are
 * skipped: they have no piece we lack, so the scan would find nothing to request.
 * A walk also follows each new wire: webtorrent starts listening for a peer's
 * bitfield and unchoke one microtask after the handshake, so a peer that sent all
 * three in one read would otherwise never be asked for pieces.
 */
export function coalesceRequestUpdates(torrent: Torrent): void {
  const t = torrent as unknown as TorrentInternals;
  const update = t._update.bind(t);
  const updateWire = t._updateWire.bind(t);
  let pending = false;
  t._update = () => {
    if (pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      if (!t.destroyed) update();
    });
  };
  torrent.on('wire', () => {
    if (t.ready) t._update();
  });
  t._updateWire = (wire: Wire) => (wire.type === 'webSeed' || (wire as Wire & { amInterested: boolean }).amInterested ? updateWire(wire) : false);
}
