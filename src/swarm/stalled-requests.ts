import type { Torrent, Wire } from 'webtorrent';

/** The parts of bittorrent-protocol's Wire this touches (not part of its public API). */
interface WireInternals {
  type?: string;
  requests: object[];
  /** Bytes of blocks received. */
  downloaded: number;
  _callback(request: unknown, err: Error | null, buffer: Uint8Array | null): void;
  on(event: 'close', listener: () => void): unknown;
}

/** How long a peer holding block requests of ours may send nothing before we ask other peers. */
export const STALL_MS = 5000;

/**
 * Frees the block requests of a peer that has gone quiet. webtorrent waits until a peer has
 * sent nothing for 30 s, then drops it and asks others; until then the blocks it was asked
 * for stay reserved for it. Near the end of a download no other wire is fast any more, so
 * webtorrent cannot hotswap them either: in bench:swarm at N = 32 a run's last host now and
 * then finished 20–27 s after the others, behind a peer that had stopped answering it (some
 * had choked it, with the fast extension and no reject; some had not).
 * Here a peer that holds requests of ours and has sent no block for `stallMs` (checked every
 * fifth of it) has all its outstanding requests failed, as a choke fails them without the
 * fast extension, and webtorrent asks other peers for those blocks. The connection stays,
 * but the peer gets no new requests for a while: `stallMs`, doubling with each stall until
 * a block comes from it again (a seed that was only slow, say on a cold store read, is soon
 * back). A late block for a released request is otherwise ignored. A peer that is slow but
 * sending is left alone (a deadline per request also freed the requests queued behind slow
 * links: at 10 Mbit/s and N = 32 a host was still fetching after 600 s), and so is one that
 * answers some requests and sits on others (webtorrent's hotswap moves those while other
 * wires are fast). Web seeds (HTTP, with their own timeouts) are not watched.
 */
export class StalledRequests {
  readonly #stallMs: number;
  readonly #benchedUntil = new WeakMap<object, number>();

  constructor(stallMs = STALL_MS) {
    this.#stallMs = stallMs;
  }

  /** Watch one wire's outstanding requests until it closes. */
  watch(wire: object): void {
    const w = wire as WireInternals;
    if (w.type === 'webSeed') return;
    let quietSince = Date.now();
    let downloaded = w.downloaded;
    let stalls = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      if (w.requests.length === 0 || w.downloaded !== downloaded) {
        // nothing asked of it, or a block came: the peer is not holding us up
        if (w.downloaded !== downloaded) stalls = 0;
        downloaded = w.downloaded;
        quietSince = now;
        return;
      }
      if (now - quietSince < this.#stallMs) return;
      stalls++;
      this.#benchedUntil.set(wire, now + this.#stallMs * 2 ** Math.min(stalls - 1, 6));
      for (const request of w.requests.splice(0)) w._callback(request, new Error(`peer sent no block for ${this.#stallMs} ms`), null);
      quietSince = now;
    }, Math.max(1, Math.floor(this.#stallMs / 5)));
    timer.unref();
    w.on('close', () => clearInterval(timer));
  }

  /** Is this wire benched after a stall (no new requests for it now)? */
  benched(wire: object): boolean {
    return (this.#benchedUntil.get(wire) ?? 0) > Date.now();
  }
}

/** Watch every wire of `torrent`, and keep webtorrent from giving new requests to benched ones. */
export function releaseStalledRequests(torrent: Torrent, stallMs = STALL_MS): void {
  const stalled = new StalledRequests(stallMs);
  const t = torrent as unknown as { _updateWire(wire: Wire): unknown };
  const updateWire = t._updateWire.bind(t);
  t._updateWire = (wire: Wire) => (stalled.benched(wire) ? false : updateWire(wire));
  torrent.on('wire', (wire: Wire) => stalled.watch(wire));
}
