/** How many peers a tracker hands out by default and at most. */
export interface NumwantLimits {
  defaultNumwant: number;
  maxNumwant: number;
}

/** The number of peers to give: the client's wish within the limits, the default when it names none. */
export function clampNumwant(asked: number, limits: NumwantLimits): number {
  if (!Number.isFinite(asked) || asked < 0) return limits.defaultNumwant;
  return Math.min(Math.floor(asked), limits.maxNumwant);
}
