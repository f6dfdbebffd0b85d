/** What a test request returns: status, parsed JSON (or text) body, headers, raw text. */
export interface CallResult {
  status: number;
  body: any;
  headers: Headers;
  text: string;
}

/** Options of a test request: a token, a body (JSON-encoded unless a string or Buffer), headers. */
export interface CallInit {
  token?: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A `fetch` for tests against one base URL, with the token header and JSON handled. */
export function httpCaller(baseUrl: string): (method: string, path: string, init?: CallInit) => Promise<CallResult> {
  return async (method, path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers['x-auth-token'] = init.token;
    let body: string | Buffer | undefined;
    if (init.body !== undefined) {
      const raw = typeof init.body === 'string' || Buffer.isBuffer(init.body);
      body = raw ? (init.body as string | Buffer) : JSON.stringify(init.body);
      headers['content-type'] ??= Buffer.isBuffer(init.body) ? 'application/octet-stream' : 'application/json';
    }
    const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers, text };
  };
}
