/** The token a request carries: X-Auth-Token, or Authorization: Bearer. */
export function requestToken(request: { headers: Record<string, string | string[] | undefined> }): string | undefined {
  const header = request.headers['x-auth-token'];
  if (typeof header === 'string' && header) return header;
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    if (match) return match[1];
  }
  return undefined;
}
