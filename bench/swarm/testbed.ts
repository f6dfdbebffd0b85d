/** Where a benchmark process runs: the origin (Teller + tracker) or host i (0-based). */
export type Place = 'origin' | number;

/**
 * The network the swarm benchmark runs on. The harness only ever asks it how to
 * start a command somewhere and which address reaches that place, so the same
 * harness runs on shaped network namespaces (the benchmark) and on loopback (the
 * smoke test in `npm test`).
 */
export interface Testbed {
  /** What it is, for the results file. */
  readonly description: string;
  /** Link rate of every host and of the origin in bytes/s (Infinity: unshaped). */
  readonly rateBytes: number;
  /** True when every place has its own port space (fixed ports work); false on shared loopback. */
  readonly ownPorts: boolean;
  /** The argv that runs `argv` at `place`. */
  wrap(place: Place, argv: string[]): string[];
  /** The address others reach `place` on. */
  address(place: Place): string;
  /** Remove everything the testbed made (idempotent). */
  close(): Promise<void>;
}

/** Every place shares the machine's loopback, unshaped: the smoke test's testbed. */
export class LoopbackTestbed implements Testbed {
  readonly description = 'loopback, unshaped';
  readonly rateBytes = Infinity;
  readonly ownPorts = false;

  wrap(_place: Place, argv: string[]): string[] {
    return argv;
  }

  address(): string {
    return '127.0.0.1';
  }

  async close(): Promise<void> {}
}
