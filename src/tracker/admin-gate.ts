import { createHash } from 'node:crypto';
import { ForbiddenError, isErrorKind, UnauthorizedError } from '../core/errors.js';
import { JsonClient } from '../core/http-client.js';

/** What the registry says about a token. */
interface WhoAmI {
  user_id: string;
  project_id: string;
  admin: boolean;
}

const MAX_ENTRIES = 1000;

/**
 * Lets only admins in (for `/stats`): the token is checked with the registry's
 * `/p2p/v1/whoami`, and the answer, yes or no, is remembered for a short
 * while so a dashboard polling `/stats` costs the registry little.
 */
export class AdminGate {
  private readonly cache = new Map<string, { admin: boolean; valid: boolean; until: number }>();

  constructor(
    private readonly registryUrl: () => string,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** Resolves for an admin token; throws UnauthorizedError (no or bad token) or ForbiddenError (not admin). */
  async require(token: string | undefined): Promise<void> {
    if (!token) throw new UnauthorizedError('An admin token is required (X-Auth-Token or Authorization: Bearer)');
    const key = createHash('sha256').update(token).digest('base64url');
    let entry = this.cache.get(key);
    if (!entry || entry.until <= this.now()) {
      entry = { ...(await this.ask(token)), until: this.now() + this.ttlMs };
      this.cache.delete(key);
      this.cache.set(key, entry);
      if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    }
    if (!entry.valid) throw new UnauthorizedError('The token is not valid or has expired');
    if (!entry.admin) throw new ForbiddenError('Tracker statistics are for admins only');
  }

  private async ask(token: string): Promise<{ admin: boolean; valid: boolean }> {
    try {
      const who = await new JsonClient(this.registryUrl(), token, undefined, 10_000).json<WhoAmI>('GET', '/p2p/v1/whoami');
      return { admin: who.admin === true, valid: true };
    } catch (err) {
      if (isErrorKind(err, 'unauthorized')) return { admin: false, valid: false };
      throw err;
    }
  }
}

/** The token of a request: `X-Auth-Token`, or a Bearer `Authorization` header. */
export function tokenOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const direct = headers['x-auth-token'];
  if (typeof direct === 'string' && direct) return direct;
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim() || undefined;
  return undefined;
}
