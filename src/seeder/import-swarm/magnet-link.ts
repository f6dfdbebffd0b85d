import { InvalidInputError } from '../../core/errors.js';

/** A magnet link, checked: a v1 infohash and the sources it names. */
export interface MagnetLink {
  infohash: string;
  name?: string;
  /** http(s) and udp trackers (WebSocket trackers need WebRTC and are left out). */
  trackers: string[];
  /** `ws=`: HTTP web seeds. */
  webSeeds: string[];
  /** `xs=`: URLs of the .torrent. */
  exactSources: string[];
  /** `x.pe=`: peer addresses `host:port`. */
  peers: string[];
}

const MAX_LENGTH = 16 * 1024;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32ToHex(text: string): string | undefined {
  let bits = '';
  for (const c of text.toUpperCase()) {
    const v = BASE32.indexOf(c);
    if (v < 0) return undefined;
    bits += v.toString(2).padStart(5, '0');
  }
  return Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2))).toString('hex');
}

function infohashOf(xts: string[]): string {
  for (const xt of xts) {
    const m = /^urn:btih:([0-9a-fA-F]{40}|[A-Za-z2-7]{32})$/.exec(xt);
    if (m) return m[1]!.length === 40 ? m[1]!.toLowerCase() : base32ToHex(m[1]!)!;
  }
  if (xts.some((xt) => xt.startsWith('urn:btmh:'))) throw new InvalidInputError('BitTorrent v2-only magnets (urn:btmh) are not supported: give one with a v1 infohash (urn:btih)');
  if (xts.some((xt) => xt.startsWith('urn:btih:'))) throw new InvalidInputError('The magnet\'s infohash must be 40 hex or 32 base32 characters');
  throw new InvalidInputError('The magnet has no xt=urn:btih:<infohash>');
}

function urls(values: string[], protocols: string[], what: string): string[] {
  return values.map((v) => {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      throw new InvalidInputError(`The magnet's ${what} ${JSON.stringify(v.slice(0, 200))} is not a URL`);
    }
    if (!protocols.includes(url.protocol)) throw new InvalidInputError(`The magnet's ${what} ${url.origin} must be ${protocols.join(' or ')}`);
    return url.href;
  });
}

/** Parse and check a magnet URI (400 before anything starts when it is malformed). */
export function parseMagnet(uri: unknown): MagnetLink {
  if (typeof uri !== 'string' || !uri.startsWith('magnet:?')) throw new InvalidInputError('The magnet method needs "uri": a magnet:?xt=urn:btih:… link');
  if (uri.length > MAX_LENGTH) throw new InvalidInputError(`The magnet is longer than ${MAX_LENGTH} characters`);
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(uri.slice('magnet:?'.length));
  } catch {
    throw new InvalidInputError('The magnet is not a valid query string');
  }
  const trackers = params.getAll('tr').filter((t) => !/^wss?:/i.test(t));
  const peers = params.getAll('x.pe');
  for (const p of peers) if (!/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(p)) throw new InvalidInputError(`The magnet's peer address ${JSON.stringify(p.slice(0, 100))} is not host:port`);
  const name = params.get('dn');
  return {
    infohash: infohashOf(params.getAll('xt')),
    ...(name ? { name } : {}),
    trackers: urls(trackers, ['http:', 'https:', 'udp:'], 'tracker'),
    webSeeds: urls(params.getAll('ws'), ['http:', 'https:'], 'web seed'),
    exactSources: urls(params.getAll('xs').filter((x) => !x.startsWith('urn:')), ['http:', 'https:'], 'exact source'),
    peers,
  };
}

/** A magnet for webtorrent with only the sources this Teller may use. */
export function composeMagnet(link: MagnetLink, use: { webSeeds: boolean; exactSources: boolean }): string {
  const parts = [`xt=urn:btih:${link.infohash}`];
  if (link.name) parts.push(`dn=${encodeURIComponent(link.name)}`);
  for (const t of link.trackers) parts.push(`tr=${encodeURIComponent(t)}`);
  if (use.webSeeds) for (const w of link.webSeeds) parts.push(`ws=${encodeURIComponent(w)}`);
  if (use.exactSources) for (const x of link.exactSources) parts.push(`xs=${encodeURIComponent(x)}`);
  for (const p of link.peers) parts.push(`x.pe=${encodeURIComponent(p)}`);
  return `magnet:?${parts.join('&')}`;
}

/** The magnet recorded as the image's origin: infohash and name only (tracker URLs may carry someone's passkey). */
export function originMagnet(infohash: string, name: string | undefined): string {
  return `magnet:?xt=urn:btih:${infohash}${name ? `&dn=${encodeURIComponent(name)}` : ''}`;
}
