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
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 3]] as const) {
  PRIVATE_V4.addSubnet(net, prefix, 'ipv4');
}
const PRIVATE_V6 = new BlockList();
// ::/96 holds ::, ::1 and the old IPv4-compatible addresses; 6to4 (2002::/16), Teredo (2001::/32)
// and NAT64 (64:ff9b::/96) embed IPv4 addresses, so none of them is needed for a download either.
for (const [net, prefix] of [['::', 96], ['64:ff9b::', 96], ['100::', 64], ['2001::', 32], ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  PRIVATE_V6.addSubnet(net, prefix, 'ipv6');
}

/** Whether an IP address is one a filtered web-download may not reach (anything that is not an address counts as one). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE_V4.check(address, 'ipv4');
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) reaches IPv4 hosts: never needed for a download, refused whole
  if (family === 6) return /^::ffff:/i.test(address) || PRIVATE_V6.check(address, 'ipv6');
  return true;
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
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (rules.allowed_ports.length > 0 && !rules.allowed_ports.includes(port)) throw refused(url, `port ${port} is not among seeder.ingest.web_download.allowed_ports (${rules.allowed_ports.join(', ')})`);
    const listed = (hosts: string[]) => hosts.some((h) => h.toLowerCase() === host);
    if (rules.allowed_hosts.length > 0 && !listed(rules.allowed_hosts)) throw refused(url, `${host} is not among seeder.ingest.web_download.allowed_hosts`);
    if (listed(rules.disallowed_hosts)) throw refused(url, `${host} is among seeder.ingest.web_download.disallowed_hosts`);
    if (rules.private_networks) return;
    const addresses = isIP(host) ? [host] : await resolveAll(host);
    const inside = addresses.find(isPrivateAddress);
    if (inside) throw refused(url, `${host} is ${inside === host ? 'a private address' : `at the private address ${inside}`} (seeder.ingest.web_download.private_networks is off)`);
  }
}

/** Every address a name resolves to; none when it does not resolve (the download then fails with that reason). */
function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve) => dnsLookup(host, { all: true }, (err, addresses) => resolve(err ? [] : addresses.map((a) => a.address))));
}

/** dns.lookup for net.connect that fails when any address it would use is private. */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    const inside = addresses.find((a) => isPrivateAddress(a.address));
    if (inside) {
      const error = Object.assign(new Error(`${hostname} resolves to the private address ${inside.address}`), { code: 'EPRIVATEADDRESS' }) as NodeJS.ErrnoException;
      return callback(error, '', 0);
    }
    if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};
