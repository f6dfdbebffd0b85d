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
  /** The ids each recent source may use in the current window, so a busy client costs one HMAC per minute, not one per packet. */
  private readonly recent = new Map<string, { window: number; ids: Buffer[] }>();

  constructor(
    private readonly now: () => number,
    private readonly key: Buffer = randomBytes(32),
    private readonly maxSources = 100_000,
  ) {}

  /** A fresh id for this source. */
  issue(address: string, port: number): Buffer {
    return this.accepted(address, port)[0]!;
  }

  /** True when `id` was issued to this source within the last two to three minutes. */
  check(id: Buffer, address: string, port: number): boolean {
    if (id.length !== 8) return false;
    return this.accepted(address, port).some((good) => timingSafeEqual(id, good));
  }

  private accepted(address: string, port: number): Buffer[] {
    const window = Math.floor(this.now() / WINDOW_MS);
    const source = `${address}|${port}`;
    const cached = this.recent.get(source);
    if (cached && cached.window === window) return cached.ids;
    const ids = Array.from({ length: WINDOWS_ACCEPTED }, (_, back) => this.idFor(address, port, window - back));
    this.recent.delete(source);
    this.recent.set(source, { window, ids });
    if (this.recent.size > this.maxSources) this.recent.delete(this.recent.keys().next().value!);
    return ids;
  }

  private idFor(address: string, port: number, window: number): Buffer {
    return createHmac('sha256', this.key).update(`${window}|${address}|${port}`).digest().subarray(0, 8);
  }
}
