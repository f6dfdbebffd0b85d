import autocannon, { type Result } from 'autocannon';

/** The q-quantile (0..1) of a list of numbers. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * Run autocannon and also keep every response time (autocannon's own histogram
 * rounds to whole milliseconds, too coarse for sub-millisecond medians).
 */
export function load(options: Record<string, unknown>): Promise<{ result: Result; latenciesMs: number[] }> {
  return new Promise((resolve, reject) => {
    const latenciesMs: number[] = [];
    const instance = autocannon(options, (err, result) => (err ? reject(err) : resolve({ result, latenciesMs })));
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latenciesMs.push(responseTime));
  });
}
