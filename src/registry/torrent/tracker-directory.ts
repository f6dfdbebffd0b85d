import { createHash } from 'node:crypto';
import { createPasskey } from '../../core/passkey.js';
import { isService, type Principal } from '../../core/principal.js';

/** One tracker: its announce URL templates (`{passkey}` is filled in per caller). */
export interface TrackerEntry {
  announce: string[];
}

/**
 * Knows the trackers and which one serves an image. Images are spread over
 * trackers by rendezvous hashing on the image id, so trackers share no state and
 * adding one moves only its share of images.
 */
export class TrackerDirectory {
  constructor(
    private readonly trackers: TrackerEntry[],
    private readonly secret: string | undefined,
  ) {}

  /** True when at least one tracker is configured. */
  get configured(): boolean {
    return this.trackers.length > 0 && this.secret !== undefined;
  }

  /** The caller's passkey (an HMAC of its identity), or undefined without a tracker secret. */
  passkeyFor(p: Principal): string | undefined {
    if (!this.secret) return undefined;
    return createPasskey(this.secret, { userId: p.userId, projectId: p.projectId, admin: isService(p) });
  }

  /** The tracker that serves an image. */
  trackerFor(imageId: string): TrackerEntry | undefined {
    let best: TrackerEntry | undefined;
    let bestScore = '';
    for (const tracker of this.trackers) {
      const score = createHash('sha1').update(`${tracker.announce[0]}\0${imageId}`).digest('hex');
      if (score > bestScore) {
        best = tracker;
        bestScore = score;
      }
    }
    return best;
  }

  /** Announce URLs for an image with the passkey filled in. */
  announceFor(imageId: string, passkey: string | undefined): string[] {
    const tracker = this.trackerFor(imageId);
    if (!tracker || passkey === undefined) return [];
    return tracker.announce.map((t) => t.replaceAll('{passkey}', encodeURIComponent(passkey)));
  }
}
