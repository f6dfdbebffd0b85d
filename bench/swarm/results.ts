/** One host's fetch in one mode. */
export interface HostResult {
  host: number;
  /** Seconds from the moment all hosts were asked until this one held the verified image. */
  finishS: number;
  /** Where the image landed (checked against the SHA-256 after the run). */
  file: string;
  swarmBytes: number;
  httpBytes: number;
  /** CPU seconds the agent used during the run (its download and its seeding to others). */
  cpuS: number;
  /** The kernel's part of cpuS. */
  sysS: number;
  peakRssMb: number;
}

/** One mode at one N. */
export interface ModeResult {
  mode: 'swarm' | 'http' | 'aria2c';
  hosts: HostResult[];
  /** Bytes Teller sent during the run, by its own counters. */
  originBittorrentBytes: number;
  originHttpBytes: number;
  /** CPU seconds of the origin process (registry + Teller + tracker) during the run. */
  originCpuS: number;
  /** Every host's file matched the image's SHA-256. */
  bytesOk: boolean;
}

/** One row of the table: N hosts, the bound and every mode. */
export interface RowResult {
  n: number;
  sizeBytes: number;
  rateBytes: number;
  /** Kumar–Ross lower bound, seconds. */
  tStarS: number;
  modes: ModeResult[];
}

/** Quantile of finish times (p50, p100) of one mode. */
export function finishQuantile(mode: ModeResult, q: number): number {
  const sorted = mode.hosts.map((h) => h.finishS).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
