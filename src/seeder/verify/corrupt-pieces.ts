import { CorruptDataError } from '../errors.js';

/** One finding: the piece (undefined: the image as a whole) and the error to answer with. */
interface Finding {
  piece: number | undefined;
  err: CorruptDataError;
  until: number;
}

/**
 * Pieces whose bytes in the store failed verification, remembered for a while by image
 * SHA-256. A request that needs one is refused at once with the reason (a 502 naming the
 * piece, before any byte is sent) instead of reading the store again for every block a
 * peer asks for and every client that retries: one agent asking for one bad piece made
 * 700 ranged reads of 4 MiB in 4 s. The bytes are read again once the memory expires, so
 * a store that was repaired is served.
 */
export class CorruptPieces {
  private readonly found = new Map<string, Finding[]>();

  /** `rememberMs`: how long a finding holds (seeder.corrupt_retry_s); `onFound` counts findings. */
  constructor(
    private readonly now: () => number,
    private readonly rememberMs: number,
    private readonly onFound: () => void = () => undefined,
  ) {}

  /** Remember `err` if it says the image's bytes are corrupt (other errors are not about the bytes). */
  note(sha256: string, err: unknown): void {
    if (!(err instanceof CorruptDataError)) return;
    this.onFound();
    const piece = typeof err.details?.piece === 'number' ? err.details.piece : undefined;
    const kept = this.fresh(sha256).filter((f) => f.piece !== piece);
    this.found.set(sha256, [...kept, { piece, err, until: this.now() + this.rememberMs }]);
  }

  /** Throws the remembered error if a piece in [first, last] (or the whole image) is known corrupt. */
  check(sha256: string, first: number, last: number): void {
    const hit = this.fresh(sha256).find((f) => f.piece === undefined || (f.piece >= first && f.piece <= last));
    if (hit) throw hit.err;
  }

  /** Forget an image (its data changed: deleted, or re-imported). */
  forget(sha256: string): void {
    this.found.delete(sha256);
  }

  private fresh(sha256: string): Finding[] {
    const list = this.found.get(sha256);
    if (!list) return [];
    const now = this.now();
    const live = list.filter((f) => f.until > now);
    if (live.length === 0) this.found.delete(sha256);
    else if (live.length !== list.length) this.found.set(sha256, live);
    return live;
  }
}
