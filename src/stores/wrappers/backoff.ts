/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Tries in all, the first one included (default 4). */
  attempts: number;
  /** Delay before the second try (default 100 ms); doubles each time. */
  baseDelayMs: number;
  /** Cap on one delay (default 5 s). */
  maxDelayMs: number;
}

/** The default policy: 4 tries, 100 ms doubling, at most 5 s apart. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 5000 };

/** Waits `ms`; injectable so tests never sleep. */
export type Sleep = (ms: number) => Promise<void>;

/** The real sleep. */
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Delay before retry number `retry` (1 for the first retry): exponential, capped, with
 * "equal jitter" so many Tellers hitting one sick store do not retry in lockstep.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}
