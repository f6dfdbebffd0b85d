import type { SwarmEntry } from '../core/internal-api.js';
import { verifyPasskey, type PasskeyClaims } from '../core/passkey.js';
import { REASONS, TrackerRejection } from './errors.js';

/** One swarm the registry allows: an active image and who may join it (the registry's `/internal/v1/swarms` entry). */
export type AllowedSwarm = SwarmEntry;

/** Who may join a swarm: the rule of DESIGN §6, the same one the registry applies to reads. */
export function mayJoin(swarm: AllowedSwarm, claims: PasskeyClaims): boolean {
  if (swarm.visibility === 'public' || swarm.visibility === 'community') return true;
  if (claims.admin) return true;
  if (claims.projectId !== '' && swarm.owner === claims.projectId) return true;
  return swarm.visibility === 'shared' && claims.projectId !== '' && swarm.members.includes(claims.projectId);
}

/** What a successful check yields: the caller's identity and the image behind the infohash. */
export interface Admission {
  claims: PasskeyClaims;
  swarm: AllowedSwarm;
}

/**
 * The tracker's copy of the registry's swarm list. Announces are checked
 * against it in memory: the passkey by HMAC, the infohash by lookup, access by
 * the image's visibility, owner and members. No call leaves the process.
 */
export class SwarmList {
  private swarms = new Map<string, AllowedSwarm>();
  /** Passkeys already verified: hosts announce every interval with the same one, and the HMAC is the dearest step. */
  private readonly verified = new Map<string, PasskeyClaims>();
  private readonly maxVerified = 100_000;
  private loadedRevision: number | undefined;
  private loadedAt: number | undefined;

  constructor(private readonly secret: string) {}

  /** The registry revision of the current list, undefined before the first load. */
  get revision(): number | undefined {
    return this.loadedRevision;
  }

  /** When the list was last loaded (ms since the epoch, the tracker's clock). */
  get lastLoadedAt(): number | undefined {
    return this.loadedAt;
  }

  get size(): number {
    return this.swarms.size;
  }

  /** The registry's entry for an infohash (lowercase hex), if it is allowed. */
  get(infohash: string): AllowedSwarm | undefined {
    return this.swarms.get(infohash);
  }

  /** Every allowed swarm. */
  entries(): IterableIterator<AllowedSwarm> {
    return this.swarms.values();
  }

  /** Put in a fresh list; returns the infohashes that left it and those whose access rule changed. */
  replace(revision: number, list: AllowedSwarm[], now: number): { removed: string[]; changed: string[] } {
    const next = new Map<string, AllowedSwarm>();
    for (const s of list) next.set(s.infohash.toLowerCase(), { ...s, infohash: s.infohash.toLowerCase() });
    const removed: string[] = [];
    const changed: string[] = [];
    for (const [infohash, old] of this.swarms) {
      const fresh = next.get(infohash);
      if (!fresh) removed.push(infohash);
      else if (fresh.visibility !== old.visibility || fresh.owner !== old.owner || fresh.members.join('\0') !== old.members.join('\0')) changed.push(infohash);
    }
    this.swarms = next;
    this.loadedRevision = revision;
    this.loadedAt = now;
    return { removed, changed };
  }

  /** Check a passkey alone; throws the rejection a client should see. */
  claimsOf(passkey: string | undefined): PasskeyClaims {
    if (passkey === undefined || passkey === '') throw new TrackerRejection('passkey_missing', REASONS.passkeyMissing);
    let claims = this.verified.get(passkey);
    if (claims) return claims;
    claims = verifyPasskey(this.secret, passkey) ?? undefined;
    if (!claims) throw new TrackerRejection('passkey_invalid', REASONS.passkeyInvalid);
    // Only good passkeys are remembered, so a flood of forged ones cannot push them out.
    if (this.verified.size >= this.maxVerified) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(passkey, claims);
    return claims;
  }

  /** Check an announce: valid passkey, registered infohash, and a principal who may read the image. */
  admit(infohash: string, passkey: string | undefined): Admission {
    const claims = this.claimsOf(passkey);
    if (this.loadedRevision === undefined) throw new TrackerRejection('not_ready', REASONS.notReady);
    const swarm = this.swarms.get(infohash);
    if (!swarm) throw new TrackerRejection('unregistered', REASONS.unregistered);
    if (!mayJoin(swarm, claims)) throw new TrackerRejection('forbidden', REASONS.forbidden);
    return { claims, swarm };
  }
}
