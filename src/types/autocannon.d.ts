declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';
  export interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
  }
  export interface Result {
    latency: Histogram;
    requests: Histogram & { total: number };
    throughput: Histogram & { total: number };
    non2xx: number;
    errors: number;
    duration: number;
  }
  function autocannon(options: Record<string, unknown>): Promise<Result>;
  function autocannon(options: Record<string, unknown>, done: (err: Error | null, result: Result) => void): EventEmitter;
  export default autocannon;
}
