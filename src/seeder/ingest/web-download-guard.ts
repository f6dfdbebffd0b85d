import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { InvalidInputError } from '../../core/errors.js';

/** Where a web-download may go (`seeder.ingest.web_download`), after Glance's import filtering. */
export interface WebDownloadRules {
  /** Ports a URL may name; empty: any. Glance's default: 80 and 443. */
  allowed_ports: number[];
  /** Host names (or addresses) a URL may name; empty: any. */
  allowed_hosts: string[];
  disallowed_hosts: string[];
  /** May a download reach loopback, private, link-local (cloud metadata), shared or multicast addresses? */
  private_networks: boolean;
  /** Do the rules bind admins too (by default they bind everyone else)? */
  filter_admins: boolean;
}

// Addresses a tenant must not make Teller fetch from: this host, its networks, the cloud's
// metadata service (169.254.169.254), and anything not globally routable. Two lists: a
// BlockList also matches IPv4 addresses against IPv4-mapped IPv6 rules.
const PRIVATE_V4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24],
  ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 3],
] as const) {
  PRIVATE_V4.addSubnet(net, prefix, 'ipv4');
}
// ::/96 holds ::, ::1 and the old IPv4-compatible addresses; 6to4 and Teredo embed IPv4 in
// ways no download needs, so they are refused whole. IPv4-mapped and NAT64 addresses are
// judged by the IPv4 address they carry (NAT64 is how IPv6-only hosts reach IPv4 servers).
const PRIVATE_V6 = new BlockList();
for (const [net, prefix] of [
  ['::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 32], ['2001:2::', 48], ['2001:db8::', 32], ['2002::', 16], ['3fff::', 20], ['5f00::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) {
  PRIVATE_V6.addSubnet(net, prefix, 'ipv6');
}
const EMBEDS_V4 = new BlockList();
EMBEDS_V4.addSubnet('::ffff:0:0', 96, 'ipv6');
EMBEDS_V4.addSubnet('64:ff9b::', 96, 'ipv6');

/** The eight 16-bit groups of an IPv6 address (which isIP accepted). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => parseInt(g, 16));
}

/** Whether an IP address is one a filtered web-download may not reach (anything that is not an address counts as one). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE_V4.check(address, 'ipv4');
  if (family !== 6) return true;
  if (EMBEDS_V4.check(address, 'ipv6')) {
    const g = ipv6Groups(address);
    return PRIVATE_V4.check(`${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`, 'ipv4');
  }
  return PRIVATE_V6.check(address, 'ipv6');
}

/** A host name as lists compare it: lower case, no brackets, no trailing dot. */
function hostKey(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
}

function refused(url: URL, why: string): InvalidInputError {
  return new InvalidInputError(`web-download of ${url.origin} is not allowed: ${why}`);
}

/**
 * Checks web-download URLs against the rules, on the first URL and on every redirect, and
 * gives the dispatcher to fetch with: it checks the addresses a name resolves to at connect
 * time too, so a name that resolves elsewhere by then (DNS rebinding) is still refused.
 */
export class WebDownloadGuard {
  readonly dispatcher: Dispatcher | undefined;

  constructor(readonly rules: WebDownloadRules) {
    this.dispatcher = rules.private_networks ? undefined : new Agent({ connect: { lookup: guardedLookup } });
  }

  /** Whether these rules bind a caller. */
  binds(admin: boolean): boolean {
    return !admin || this.rules.filter_admins;
  }

  /** Throws InvalidInputError (400) naming the rule when `url` may not be fetched. */
  async check(url: URL): Promise<void> {
    const { rules } = this;
    const host = hostKey(url.hostname);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (rules.allowed_ports.length > 0 && !rules.allowed_ports.includes(port)) throw refused(url, `port ${port} is not among seeder.ingest.web_download.allowed_ports (${rules.allowed_ports.join(', ')})`);
    const listed = (hosts: string[]) => hosts.some((h) => hostKey(h) === host);
    if (rules.allowed_hosts.length > 0 && !listed(rules.allowed_hosts)) throw refused(url, `${host} is not among seeder.ingest.web_download.allowed_hosts`);
    if (listed(rules.disallowed_hosts)) throw refused(url, `${host} is among seeder.ingest.web_download.disallowed_hosts`);
    if (rules.private_networks) return;
    const addresses = isIP(host) ? [host] : await resolveAll(host);
    // the address a name resolves to is not told: a tenant could map the internal DNS with it
    if (addresses.some(isPrivateAddress)) throw refused(url, `${host} is ${isIP(host) ? 'a' : 'at a'} non-public address (seeder.ingest.web_download.private_networks is off)`);
  }
}

/** How long the up-front check waits for DNS; the connect-time check still applies after it. */
const RESOLVE_TIMEOUT_MS = 5000;

/** Every address a name resolves to; none when it does not resolve in time (the download then fails, or is checked when connecting). */
function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve([]), RESOLVE_TIMEOUT_MS);
    dnsLookup(host, { all: true }, (err, addresses) => {
      clearTimeout(timer);
      resolve(err ? [] : addresses.map((a) => a.address));
    });
  });
}

/** dns.lookup for net.connect that fails when any address it would use is private. */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    const inside = addresses.find((a) => isPrivateAddress(a.address));
    if (inside) {
      const error = Object.assign(new Error(`${hostname} resolves to a non-public address`), { code: 'EPRIVATEADDRESS' }) as NodeJS.ErrnoException;
      return callback(error, '', 0);
    }
    if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};
