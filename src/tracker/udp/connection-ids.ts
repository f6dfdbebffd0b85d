import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const WINDOW_MS = 60_000;
/** Windows an id stays good for: the current and two before, so at least the two minutes BEP 15 asks for. */
const WINDOWS_ACCEPTED = 3;

/**
 * UDP connection ids (BEP 15) that a client cannot guess or reuse from another
 * address: an HMAC of the source address and port and the minute, under a key
 * made at start. bittorrent-tracker hands every client the same constant id,
 * which lets anyone with a forged source address announce without a handshake.
 */
export class ConnectionIds {
  constructor(
    private readonly now: () => number,
    private readonly key: Buffer = randomBytes(32),
  ) {}

  /** A fresh id for this source. */
  issue(address: string, port: number): Buffer {
    return this.idFor(address, port, Math.floor(this.now() / WINDOW_MS));
  }

  /** True when `id` was issued to this source within the last two to three minutes. */
  check(id: Buffer, address: string, port: number): boolean {
    const window = Math.floor(this.now() / WINDOW_MS);
    for (let back = 0; back < WINDOWS_ACCEPTED; back++) {
      if (timingSafeEqual(id, this.idFor(address, port, window - back))) return true;
    }
    return false;
  }

  private idFor(address: string, port: number, window: number): Buffer {
    return createHmac('sha256', this.key).update(`${window}|${address}|${port}`).digest().subarray(0, 8);
  }
}
