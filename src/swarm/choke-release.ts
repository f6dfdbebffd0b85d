/** The parts of bittorrent-protocol's Wire this touches (not part of its public API). */
interface WireInternals {
  hasFast: boolean;
  requests: unknown[];
  _callback(request: unknown, err: Error | null, buffer: Uint8Array | null): void;
  on(event: 'choke' | 'close', listener: () => void): unknown;
}

/** How long a peer that choked us may keep our requests before we ask elsewhere. */
export const CHOKE_GRACE_MS = 5000;

/**
 * With the fast extension (BEP 6) a choke no longer cancels our outstanding requests:
 * the peer must reject each one. Some peers choked us and sent no reject, and webtorrent
 * then waited for its 30-s request timeout before asking anyone else for those blocks:
 * in bench:swarm at N = 32, the last host of a run now and then finished 20–25 s after
 * the others, each time behind a peer that was choking it with requests outstanding.
 * Here the requests that were outstanding at a choke and are still outstanding `graceMs`
 * later are failed, as a choke without the fast extension fails them, and webtorrent asks
 * other peers for the blocks; the connection stays, and requests made after an unchoke
 * are not touched. A late reject or block for a released request is ignored.
 */
export function releaseRequestsOnChoke(wire: object, graceMs = CHOKE_GRACE_MS): void {
  const w = wire as WireInternals;
  const timers = new Set<NodeJS.Timeout>();
  w.on('choke', () => {
    if (!w.hasFast || w.requests.length === 0) return;
    const held = [...w.requests];
    const timer = setTimeout(() => {
      timers.delete(timer);
      for (const request of held) {
        const at = w.requests.indexOf(request);
        if (at < 0) continue; // answered or rejected meanwhile
        w.requests.splice(at, 1);
        w._callback(request, new Error('peer choked us and did not reject the request'), null);
      }
    }, graceMs);
    timer.unref();
    timers.add(timer);
  });
  w.on('close', () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  });
}
