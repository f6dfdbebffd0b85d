import { StoreAbortedError } from '../errors.js';

/** A counting semaphore with a FIFO queue; waiting can be aborted. */
export class Semaphore {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    this.#free = size;
  }

  /** Calls in progress. */
  get active(): number {
    return this.size - this.#free;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.#waiting.length;
  }

  /** Resolves with a release function once a slot is free. Releasing twice is harmless. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new StoreAbortedError('aborted while waiting for a store slot', { cause: signal.reason });
    if (this.#free > 0) {
      this.#free--;
      return this.#releaser();
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.#releaser());
      };
      const onAbort = (): void => {
        const i = this.#waiting.indexOf(grant);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(new StoreAbortedError('aborted while waiting for a store slot', { cause: signal?.reason }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}
