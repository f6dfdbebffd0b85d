/**
 * Spaces sends `1 / rate` seconds apart across all clients of a generator (an
 * open-loop schedule), so latency can be measured at a given load rather than
 * at saturation. Without a rate every send may go at once.
 */
export class Pacer {
  private nextAt = process.hrtime.bigint();
  private readonly gap: bigint;

  constructor(private readonly rate: number | undefined) {
    this.gap = rate ? BigInt(Math.round(1e9 / rate)) : 0n;
  }

  /** Run `send` at its slot. */
  schedule(send: () => void): void {
    if (!this.rate) return send();
    const now = process.hrtime.bigint();
    if (this.nextAt < now) this.nextAt = now;
    const wait = Number(this.nextAt - now) / 1e6;
    this.nextAt += this.gap;
    if (wait < 1) send();
    else setTimeout(send, wait);
  }
}
