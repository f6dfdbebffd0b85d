import type { Wire } from 'webtorrent';
import { socketState } from './direct-pipes.js';

/** A wire's state when it went wrong (logged with a request timeout): who chokes whom, what is outstanding, and whether our side holds its output back. */
export function wireState(wire: Wire): Record<string, unknown> {
  const w = wire as Wire & { peerChoking?: boolean; amChoking?: boolean; amInterested?: boolean; hasFast?: boolean; requests?: Array<{ piece: number; offset: number }>; peerRequests?: unknown[]; downloaded?: number; uploaded?: number };
  return {
    peerChoking: w.peerChoking,
    amChoking: w.amChoking,
    amInterested: w.amInterested,
    hasFast: w.hasFast,
    requests: w.requests?.length,
    firstRequest: w.requests?.[0] ? `${w.requests[0].piece}/${w.requests[0].offset}` : undefined,
    peerRequests: w.peerRequests?.length,
    downloaded: w.downloaded,
    uploaded: w.uploaded,
    outputPaused: outputPaused(wire),
    socket: socketState(wire),
  };
}

/** streamx's READ_RESUMED bit of `_duplexState` (its index.js): set while the readable side flows. */
const READ_RESUMED = 0b10000 << 4;

/** Is the wire's output (its readable side) paused? streamx's own Readable.isPaused test. */
function outputPaused(wire: Wire): boolean | undefined {
  const state = (wire as unknown as { _duplexState?: number })._duplexState;
  return state === undefined ? undefined : (state & READ_RESUMED) === 0;
}
