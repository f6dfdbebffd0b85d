import { Agent, buildConnector, setGlobalDispatcher } from 'undici';
import { tlsConnectOptions, type ClientTls } from './http-client.js';

/** Connectors by origin, for the global dispatcher installed below. */
const connectors = new Map<string, buildConnector.connector>();
let installed = false;

const originKey = (protocol: string, hostname: string, port: string) => `${protocol}//${hostname}:${port || (protocol === 'https:' ? '443' : '80')}`;

/**
 * Make the process's global fetch connect to `url`'s origin with these TLS settings (a
 * registry entry's CA, or insecure); other origins keep Node's defaults. For libraries
 * that fetch with the global fetch and take no dispatcher: webtorrent's web seeds, which
 * the agent points at Teller's signed file URLs.
 */
export function useTlsInGlobalFetch(url: string, tls: ClientTls | undefined): void {
  const options = tlsConnectOptions(tls);
  if (!options) return;
  const { protocol, hostname, port } = new URL(url);
  connectors.set(originKey(protocol, hostname, port), buildConnector(options));
  if (installed) return;
  installed = true;
  const plain = buildConnector({});
  setGlobalDispatcher(new Agent({ connect: (opts, cb) => (connectors.get(originKey(opts.protocol, opts.hostname, opts.port)) ?? plain)(opts, cb) }));
}
