import type { Torrent, Wire } from 'webtorrent';

/** The parts of bittorrent-protocol's Wire this touches (not part of its public API). */
interface WireInternals {
  type?: string;
  requests: object[];
  _callback(request: unknown, err: Error | null, buffer: Uint8Array | null): void;
  on(event: 'close', listener: () => void): unknown;
}

/** How long a peer may sit on a block request of ours before we ask other peers. */
export const STALL_MS = 5000;

/**
 * Frees the block requests a peer sits on. webtorrent waits for an answer to a request until
 * the peer has sent nothing for 30 s, and only then drops the peer; until then those blocks
 * stay reserved for it. A peer that answers some requests and sits on others never reaches
 * that timeout at all, and when it is fast enough webtorrent does not hotswap its blocks to
 * another peer either. In bench:swarm at N = 32 a run's last host now and then finished
 * 20–27 s after the others, behind a peer that had stopped answering it (some had choked it,
 * with the fast extension and no reject; some had not).
 * Here every request still unanswered `stallMs` after it went out (checked every fifth of
 * it) is failed, as a choke fails requests without the fast extension, and webtorrent asks
 * other peers for those blocks. The connection stays, but the peer gets no new requests for
 * a while: `stallMs`, doubling with each stall. A late block for a released request is
 * ignored. Web seeds (HTTP, with their own timeouts) are left alone.
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
    const sent = new WeakMap<object, number>();
    let stalls = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      const stale = w.requests.filter((request) => {
        const at = sent.get(request);
        if (at === undefined) sent.set(request, now);
        return at !== undefined && now - at >= this.#stallMs;
      });
      if (stale.length === 0) return;
      stalls++;
      this.#benchedUntil.set(wire, now + this.#stallMs * 2 ** Math.min(stalls - 1, 6));
      for (const request of stale) {
        w.requests.splice(w.requests.indexOf(request), 1);
        w._callback(request, new Error(`peer left a block request unanswered for ${this.#stallMs} ms`), null);
      }
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
export function releaseStalledRequests(torrent: Torrent, stallMs = STALL_MS): StalledRequests {
  const stalled = new StalledRequests(stallMs);
  const t = torrent as unknown as { _updateWire(wire: Wire): unknown };
  const updateWire = t._updateWire.bind(t);
  t._updateWire = (wire: Wire) => (stalled.benched(wire) ? false : updateWire(wire));
  torrent.on('wire', (wire: Wire) => stalled.watch(wire));
  return stalled;
}
