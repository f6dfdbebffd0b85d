import { readFileSync } from 'node:fs';
import type { TlsOptions } from './service.js';

/** Load a cert/key pair named in config, or undefined for plain HTTP. */
export function loadTls(tls: { cert_file: string; key_file: string } | undefined): TlsOptions | undefined {
  if (!tls) return undefined;
  return { cert: readFileSync(tls.cert_file), key: readFileSync(tls.key_file) };
}
