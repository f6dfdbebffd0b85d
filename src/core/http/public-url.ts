import { hostname } from 'node:os';

/** The URL others should use for a server bound to host:port (a wildcard host becomes the machine's name). */
export function derivePublicUrl(host: string, port: number, tls = false): string {
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? hostname() : host;
  const h = shown.includes(':') ? `[${shown}]` : shown;
  return `${tls ? 'https' : 'http'}://${h}:${port}`;
}

/** A base URL without trailing slashes. */
export function trimUrl(url: string): string {
  return url.replace(/\/+$/, '');
}
