import { InvalidInputError } from '../core/errors.js';

/** Parse `90`, `30s`, `10m`, `2h`, `1d` into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new InvalidInputError(`Not a duration: ${JSON.stringify(text)} (e.g. 30s, 10m, 2h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}
