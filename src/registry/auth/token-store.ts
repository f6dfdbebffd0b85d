import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { InvalidInputError } from '../../core/errors.js';
import { ROLES, type Principal, type Role } from '../../core/principal.js';
import type { SqliteDatabase } from '../db/database.js';
import { storedTime, type Clock } from '../images/time.js';

/** A token as listed: everything but the secret, which is only shown once at creation. */
export interface TokenInfo {
  id: string;
  user_id: string;
  project_id: string;
  roles: Role[];
  description: string | null;
  created_at: string;
  expires_at: string | null;
}

/** What creating a token takes. */
export interface NewToken {
  user_id: string;
  project_id: string;
  roles: Role[];
  description?: string;
  expires_at?: string;
}

/** A token from config (admin, service), never written to the database. */
export interface BootstrapToken {
  token: string;
  principal: Principal;
}

/** Tokens are random, so a plain SHA-256 is enough to store them safely (no password stretching needed). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

interface TokenRow {
  id: string;
  token_hash: string;
  user_id: string;
  project_id: string;
  roles: string;
  description: string | null;
  created_at: string;
  expires_at: string | null;
}

function info(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    user_id: row.user_id,
    project_id: row.project_id,
    roles: JSON.parse(row.roles) as Role[],
    description: row.description,
    created_at: row.created_at,
    expires_at: row.expires_at,
  };
}

/** Issues, lists, revokes and checks API tokens; only their SHA-256 is stored. */
export class TokenStore {
  private readonly bootstrap = new Map<string, Principal>();
  private readonly byHash;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly clock: Clock,
    bootstrap: BootstrapToken[] = [],
  ) {
    for (const b of bootstrap) this.bootstrap.set(hashToken(b.token), b.principal);
    this.byHash = db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE token_hash = ?');
  }

  /** Create a token; the secret is in the result and nowhere else. */
  create(input: NewToken): { token: string; info: TokenInfo } {
    if (!input.user_id || !input.project_id) throw new InvalidInputError('user_id and project_id are required');
    if (input.roles.length === 0) throw new InvalidInputError('A token needs at least one role');
    for (const role of input.roles) if (!ROLES.includes(role)) throw new InvalidInputError(`Unknown role: ${role}`);
    const token = `gp2p_${randomBytes(32).toString('base64url')}`;
    const row: TokenRow = {
      id: randomUUID(),
      token_hash: hashToken(token),
      user_id: input.user_id,
      project_id: input.project_id,
      roles: JSON.stringify([...new Set(input.roles)]),
      description: input.description ?? null,
      created_at: storedTime(this.clock()),
      expires_at: input.expires_at ?? null,
    };
    this.db
      .prepare('INSERT INTO tokens(id, token_hash, user_id, project_id, roles, description, created_at, expires_at) VALUES (@id, @token_hash, @user_id, @project_id, @roles, @description, @created_at, @expires_at)')
      .run(row);
    return { token, info: info(row) };
  }

  list(): TokenInfo[] {
    return (this.db.prepare('SELECT * FROM tokens ORDER BY created_at, id').all() as TokenRow[]).map(info);
  }

  /** Revoke by id; false when there was no such token. */
  revoke(id: string): boolean {
    return this.db.prepare('DELETE FROM tokens WHERE id = ?').run(id).changes > 0;
  }

  /** The principal a token stands for, or undefined when it is unknown or expired. */
  authenticate(token: string): Principal | undefined {
    if (token.length > 512) return undefined;
    const hash = hashToken(token);
    const boot = this.bootstrap.get(hash);
    if (boot) return boot;
    const row = this.byHash.get(hash);
    if (!row) return undefined;
    if (row.expires_at && row.expires_at <= storedTime(this.clock())) return undefined;
    return { userId: row.user_id, projectId: row.project_id, roles: JSON.parse(row.roles) as Role[] };
  }
}
