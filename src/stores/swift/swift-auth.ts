import { StoreAuthError, StoreConfigError, StoreProtocolError } from '../errors.js';
import type { HttpClient } from '../http/http-client.js';
import { header, translateStatus } from '../http/http-errors.js';
import type { KeystoneOptions, SwiftAuthOptions, TempAuthOptions } from './swift-options.js';

/** A token and where to use it. */
export interface SwiftCredentials {
  token: string;
  storageUrl: string;
  /** Epoch ms after which the token must not be used; undefined when the server did not say. */
  expiresAt: number | undefined;
}

// Renew this long before the stated expiry, so a token never dies in the middle of an upload.
const EXPIRY_MARGIN_MS = 5 * 60_000;

async function tempAuth(client: HttpClient, o: TempAuthOptions): Promise<SwiftCredentials> {
  const res = await client.send(new URL(o.url), { method: 'GET', privateHeaders: { 'x-auth-user': o.user, 'x-auth-key': o.key }, what: 'tempauth' });
  await res.body.dump().catch(() => undefined);
  if (res.statusCode === 401 || res.statusCode === 403) throw new StoreAuthError(`tempauth refused user ${o.user} (HTTP ${res.statusCode})`);
  if (res.statusCode >= 300) throw translateStatus(res.statusCode, undefined, 'tempauth');
  const token = header(res.headers, 'x-auth-token');
  const storageUrl = header(res.headers, 'x-storage-url');
  if (!token || !storageUrl) throw new StoreProtocolError('tempauth answered without X-Auth-Token or X-Storage-Url');
  const expires = Number(header(res.headers, 'x-auth-token-expires'));
  return { token, storageUrl, expiresAt: Number.isFinite(expires) && expires > 0 ? Date.now() + expires * 1000 : undefined };
}

function keystoneBody(o: KeystoneOptions): unknown {
  const domain = (id?: string, name?: string) => (id ? { id } : { name: name ?? 'Default' });
  const project = o.projectId ? { id: o.projectId } : o.projectName ? { name: o.projectName, domain: domain(o.projectDomainId, o.projectDomainName) } : undefined;
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: o.username, domain: domain(o.userDomainId, o.userDomainName), password: o.password } } },
      ...(project ? { scope: { project } } : {}),
    },
  };
}

interface CatalogEntry {
  type?: string;
  endpoints?: Array<{ interface?: string; region?: string; region_id?: string; url?: string }>;
}

async function keystoneAuth(client: HttpClient, o: KeystoneOptions): Promise<SwiftCredentials> {
  const url = new URL(`${o.url.replace(/\/+$/, '')}/auth/tokens`);
  const res = await client.send(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(keystoneBody(o)),
    what: 'keystone auth',
  });
  const text = await res.body.text().catch(() => '');
  if (res.statusCode === 401 || res.statusCode === 403) throw new StoreAuthError(`keystone refused user ${o.username} (HTTP ${res.statusCode})`);
  if (res.statusCode >= 300) throw translateStatus(res.statusCode, undefined, 'keystone auth');
  const token = header(res.headers, 'x-subject-token');
  let body: { token?: { expires_at?: string; catalog?: CatalogEntry[] } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new StoreProtocolError('keystone answered with a body that is not JSON');
  }
  if (!token) throw new StoreProtocolError('keystone answered without X-Subject-Token');
  const wanted = o.interface ?? 'public';
  const endpoint = (body.token?.catalog ?? [])
    .filter((c) => c.type === 'object-store')
    .flatMap((c) => c.endpoints ?? [])
    .find((e) => e.interface === wanted && (!o.region || e.region === o.region || e.region_id === o.region));
  if (!endpoint?.url) throw new StoreConfigError(`keystone catalog has no ${wanted} object-store endpoint${o.region ? ` in ${o.region}` : ''}`);
  const expires = body.token?.expires_at ? Date.parse(body.token.expires_at) : NaN;
  return { token, storageUrl: endpoint.url, expiresAt: Number.isFinite(expires) ? expires : undefined };
}

/**
 * Holds one Swift token for a store: authenticates on first use (one request for all
 * concurrent callers), renews before the stated expiry, and again when Swift says 401.
 */
export class SwiftSession {
  #current: Promise<SwiftCredentials> | undefined;
  #token: string | undefined;
  #confirmed: string | undefined;

  constructor(
    private readonly client: HttpClient,
    private readonly auth: SwiftAuthOptions,
    private readonly storageUrlOverride: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token believed valid. StoreAuthError when the credentials are refused. */
  async get(): Promise<SwiftCredentials> {
    if (this.#current) {
      const creds = await this.#current.catch(() => undefined);
      if (creds && (creds.expiresAt === undefined || creds.expiresAt - EXPIRY_MARGIN_MS > this.now())) return creds;
      this.#current = undefined;
    }
    const pending = (this.auth.type === 'tempauth' ? tempAuth(this.client, this.auth) : keystoneAuth(this.client, this.auth)).then((c) =>
      this.storageUrlOverride ? { ...c, storageUrl: this.storageUrlOverride } : c,
    );
    this.#current = pending;
    this.#token = undefined;
    pending.then(
      (c) => {
        if (this.#current === pending) this.#token = c.token;
      },
      () => {
        if (this.#current === pending) this.#current = undefined;
      },
    );
    return pending;
  }

  /** Records that Swift accepted `token` (answered something other than 401). */
  confirm(token: string): void {
    this.#confirmed = token;
  }

  /** True when the current token has been accepted by Swift at least once. */
  get confirmed(): boolean {
    return this.#token !== undefined && this.#confirmed === this.#token;
  }

  /** Forgets `token` after Swift refused it, so the next get() authenticates again. */
  invalidate(token: string): void {
    if (this.#token !== token) return;
    this.#current = undefined;
    this.#token = undefined;
  }
}
