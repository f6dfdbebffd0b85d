/** One progress report of a fetch (the CLI draws it as a bar or prints it as a JSON line). */
export interface FetchProgress {
  phase: 'resolving' | 'cached' | 'downloading' | 'verifying' | 'unpacking' | 'seeding' | 'done';
  image_id: string;
  /** Verified bytes of the image so far. */
  bytes: number;
  total: number;
  /** Bytes/s over the last seconds. */
  rate: number;
  peers: number;
  /** Bytes received from BitTorrent peers and from Teller over HTTP. */
  swarm_bytes: number;
  http_bytes: number;
  /** Seconds left at the current rate, when it can be told. */
  eta_s: number | null;
  /** Set once Teller was added as a web seed, and why. */
  fallback?: string;
}

/** Receives progress. */
export type ProgressSink = (p: FetchProgress) => void;

/** A rate over a sliding window of samples. */
export class RateMeter {
  private samples: Array<[number, number]> = [];

  constructor(private readonly windowMs = 5000) {}

  /** Record the running total at time `now` and return bytes/s over the window. */
  update(total: number, now = Date.now()): number {
    this.samples.push([now, total]);
    while (this.samples.length > 2 && now - this.samples[0]![0] > this.windowMs) this.samples.shift();
    const [t0, b0] = this.samples[0]!;
    return now > t0 ? ((total - b0) * 1000) / (now - t0) : 0;
  }
}
