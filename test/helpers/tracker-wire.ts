import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import bencode from 'bencode';

/** The fields of one announce, as a client would send them. */
export interface AnnounceFields {
  infohash: string;
  /** Default: one derived from `port`, so repeated announces of one simulated peer agree. */
  peerId?: Buffer;
  port: number;
  event?: 'started' | 'stopped' | 'completed' | 'update';
  uploaded?: number;
  downloaded?: number;
  left?: number;
  numwant?: number;
  /** An address the client claims; a private tracker must ignore it. */
  ip?: string;
  compact?: 0 | 1;
}

/** A tracker's answer to an announce, decoded. */
export interface AnnounceAnswer {
  failure?: string;
  interval?: number;
  minInterval?: number;
  complete?: number;
  incomplete?: number;
  peers: Array<{ ip: string; port: number }>;
}

/** A random 20-byte peer id with a client prefix, as BitTorrent clients make them. */
export function peerId(prefix = '-GT0001-'): Buffer {
  return Buffer.concat([Buffer.from(prefix), randomBytes(20 - prefix.length)]);
}

/** The peer id a simulated peer on `port` uses unless told otherwise. */
export function peerIdForPort(port: number): Buffer {
  return Buffer.from(`-GT0001-${String(port).padStart(12, '0')}`);
}

/** Percent-encode every byte (the form trackers must accept for info_hash and peer_id). */
export function escapeBytes(bytes: Buffer): string {
  return [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

/** The full announce URL for `fields` on top of an announce URL that may already carry `?passkey=`. */
export function announceUrl(base: string, f: AnnounceFields): string {
  const parts = [
    `info_hash=${escapeBytes(Buffer.from(f.infohash, 'hex'))}`,
    `peer_id=${escapeBytes(f.peerId ?? peerIdForPort(f.port))}`,
    `port=${f.port}`,
    `uploaded=${f.uploaded ?? 0}`,
    `downloaded=${f.downloaded ?? 0}`,
    `left=${f.left ?? 1000}`,
    `compact=${f.compact ?? 1}`,
    ...(f.event ? [`event=${f.event}`] : []),
    ...(f.numwant !== undefined ? [`numwant=${f.numwant}`] : []),
    ...(f.ip ? [`ip=${f.ip}`] : []),
  ];
  return `${base}${base.includes('?') ? '&' : '?'}${parts.join('&')}`;
}

function text(v: unknown): string | undefined {
  return v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : undefined;
}

/** Read compact peers (6 bytes each for IPv4, 18 for IPv6). */
export function decodeCompact(bytes: Uint8Array, size: 6 | 18 = 6): Array<{ ip: string; port: number }> {
  const b = Buffer.from(bytes);
  const out: Array<{ ip: string; port: number }> = [];
  for (let at = 0; at + size <= b.length; at += size) {
    const ip = size === 6 ? [...b.subarray(at, at + 4)].join('.') : (b.subarray(at, at + 16).toString('hex').match(/.{4}/g) ?? []).join(':');
    out.push({ ip, port: b.readUInt16BE(at + size - 2) });
  }
  return out;
}

/** The passkey in a .torrent's announce URL. */
export function passkeyOfTorrent(torrent: Buffer): string {
  const announce = Buffer.from(bencode.decode(new Uint8Array(torrent)).announce as Uint8Array).toString('utf8');
  const passkey = new URL(announce.replace(/^udp:/, 'http:')).searchParams.get('passkey');
  if (!passkey) throw new Error(`no passkey in ${announce}`);
  return passkey;
}

/** Send one HTTP announce and decode the bencoded answer. */
export async function httpAnnounce(base: string, f: AnnounceFields): Promise<AnnounceAnswer> {
  const res = await fetch(announceUrl(base, f));
  const body = bencode.decode(new Uint8Array(await res.arrayBuffer()));
  const failure = text(body['failure reason']);
  if (failure !== undefined) return { failure, peers: [] };
  const peers = body.peers instanceof Uint8Array ? decodeCompact(body.peers) : (body.peers as Array<{ ip: Uint8Array; port: number }>).map((p) => ({ ip: text(p.ip)!, port: p.port }));
  if (body.peers6 instanceof Uint8Array) peers.push(...decodeCompact(body.peers6, 18));
  return { interval: body.interval, minInterval: body['min interval'], complete: body.complete, incomplete: body.incomplete, peers };
}

/** Send an HTTP scrape (`announce` → `scrape` in the URL, BEP 48) and decode it; keys come back as hex. */
export async function httpScrape(announceBase: string, infohashes: string[]): Promise<{ failure?: string; files: Record<string, { complete: number; incomplete: number; downloaded: number }>; raw: Buffer }> {
  const base = announceBase.replace('/announce', '/scrape');
  const query = infohashes.map((h) => `info_hash=${escapeBytes(Buffer.from(h, 'hex'))}`).join('&');
  const res = await fetch(query ? `${base}${base.includes('?') ? '&' : '?'}${query}` : base);
  const raw = Buffer.from(await res.arrayBuffer());
  const body = bencode.decode(new Uint8Array(raw));
  const failure = text(body['failure reason']);
  if (failure !== undefined) return { failure, files: {}, raw };
  // Decode the keys from the raw bytes: bencode's decoder turns dictionary keys into (lossy) text.
  const files: Record<string, { complete: number; incomplete: number; downloaded: number }> = {};
  let at = raw.indexOf('5:filesd') + 8;
  while (raw[at] !== 0x65 /* e */) {
    const colon = raw.indexOf(0x3a, at);
    const len = Number(raw.subarray(at, colon).toString());
    const key = raw.subarray(colon + 1, colon + 1 + len).toString('hex');
    const valueStart = colon + 1 + len;
    const valueEnd = raw.indexOf('ee', valueStart) + 2;
    files[key] = bencode.decode(new Uint8Array(raw.subarray(valueStart, valueEnd)));
    at = valueEnd;
  }
  return { files, raw };
}

/** A UDP tracker client (BEP 15) that can add BEP 41 URL data and claim an IP, for tests and benchmarks. */
export class UdpTrackerClient {
  private readonly socket: Socket;
  private readonly pending = new Map<number, (msg: Buffer) => void>();
  private ready: Promise<void>;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    this.socket.on('message', (msg) => {
      if (msg.length < 8) return;
      const resolve = this.pending.get(msg.readUInt32BE(4));
      if (resolve) {
        this.pending.delete(msg.readUInt32BE(4));
        resolve(msg);
      }
    });
    this.ready = new Promise((resolve) => this.socket.bind(0, host.includes(':') ? '::1' : '127.0.0.1', () => resolve()));
  }

  /** The local port announces come from. */
  async localPort(): Promise<number> {
    await this.ready;
    return this.socket.address().port;
  }

  /** Send a datagram whose bytes 12..16 are a transaction id; resolves with the answer, or undefined after `timeoutMs`. */
  async request(packet: Buffer, timeoutMs = 2000): Promise<Buffer | undefined> {
    await this.ready;
    const tid = packet.readUInt32BE(12);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(tid);
        resolve(undefined);
      }, timeoutMs);
      this.pending.set(tid, (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
      this.socket.send(packet, this.port, this.host);
    });
  }

  /** Connect and return the connection id. */
  async connect(): Promise<Buffer> {
    const packet = Buffer.alloc(16);
    packet.writeBigUInt64BE(0x41727101980n, 0);
    packet.writeUInt32BE(0, 8);
    packet.writeUInt32BE(randomBytes(4).readUInt32BE(0), 12);
    const answer = await this.request(packet);
    if (!answer || answer.readUInt32BE(0) !== 0) throw new Error('UDP connect failed');
    return answer.subarray(8, 16);
  }

  /** Send an announce with this connection id and optional BEP 41 URL data. */
  async announce(connectionId: Buffer, f: AnnounceFields & { urlData?: string }): Promise<AnnounceAnswer | undefined> {
    const answer = await this.request(udpAnnouncePacket(connectionId, f));
    if (!answer) return undefined;
    const action = answer.readUInt32BE(0);
    if (action === 3) return { failure: answer.subarray(8).toString('utf8'), peers: [] };
    return { interval: answer.readUInt32BE(8), incomplete: answer.readUInt32BE(12), complete: answer.readUInt32BE(16), peers: decodeCompact(answer.subarray(20), this.host.includes(':') ? 18 : 6) };
  }

  /** Send a scrape; answers with the raw datagram. */
  scrape(connectionId: Buffer, infohashes: string[]): Promise<Buffer | undefined> {
    const head = Buffer.alloc(16);
    connectionId.copy(head, 0);
    head.writeUInt32BE(2, 8);
    head.writeUInt32BE(randomBytes(4).readUInt32BE(0), 12);
    return this.request(Buffer.concat([head, ...infohashes.map((h) => Buffer.from(h, 'hex'))]));
  }

  close(): void {
    this.socket.close();
  }
}

const EVENT_IDS = { update: 0, completed: 1, started: 2, stopped: 3 } as const;

/** A UDP announce datagram; `urlData` becomes BEP 41 URLData options (split in 255-byte pieces, as libtorrent does). */
export function udpAnnouncePacket(connectionId: Buffer, f: AnnounceFields & { urlData?: string }, transactionId = randomBytes(4).readUInt32BE(0)): Buffer {
  const p = Buffer.alloc(98);
  connectionId.copy(p, 0);
  p.writeUInt32BE(1, 8);
  p.writeUInt32BE(transactionId, 12);
  Buffer.from(f.infohash, 'hex').copy(p, 16);
  (f.peerId ?? peerIdForPort(f.port)).copy(p, 36);
  p.writeBigUInt64BE(BigInt(f.downloaded ?? 0), 56);
  p.writeBigUInt64BE(BigInt(f.left ?? 1000), 64);
  p.writeBigUInt64BE(BigInt(f.uploaded ?? 0), 72);
  p.writeUInt32BE(EVENT_IDS[f.event ?? 'update'], 80);
  if (f.ip) p.set(f.ip.split('.').map(Number), 84);
  p.writeUInt32BE(randomBytes(4).readUInt32BE(0), 88);
  p.writeInt32BE(f.numwant ?? -1, 92);
  p.writeUInt16BE(f.port, 96);
  if (f.urlData === undefined) return p;
  const data = Buffer.from(f.urlData, 'latin1');
  const options: Buffer[] = [];
  for (let at = 0; at < data.length; at += 255) {
    const piece = data.subarray(at, at + 255);
    options.push(Buffer.from([2, piece.length]), piece);
  }
  return Buffer.concat([p, ...options]);
}
