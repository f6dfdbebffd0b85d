import { isIPv4, isIPv6 } from 'node:net';

/** An address in compact form (BEP 23 / BEP 7): 4 or 16 address bytes, then the port, big-endian. */
export function compactAddress(ip: string, port: number): Buffer {
  const bytes = isIPv4(ip) ? ipv4Bytes(ip) : ipv6Bytes(ip);
  const out = Buffer.allocUnsafe(bytes.length + 2);
  out.set(bytes, 0);
  out.writeUInt16BE(port, bytes.length);
  return out;
}

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

function ipv6Bytes(ip: string): Uint8Array {
  if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  let text = ip.split('%')[0]!;
  const out = new Uint8Array(16);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = ipv4Bytes(v4[1]!);
    text = `${text.slice(0, v4.index)}${((a! << 8) | b!).toString(16)}:${((c! << 8) | d!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

/** Peers of one family in compact form, concatenated after `headerBytes` bytes left for the caller. */
export function compactPeers(peers: Array<{ compact: Buffer; family: 4 | 6 }>, family: 4 | 6, headerBytes = 0): Buffer {
  let count = 0;
  for (const p of peers) if (p.family === family) count++;
  const out = Buffer.allocUnsafe(headerBytes + count * (family === 4 ? 6 : 18));
  let at = headerBytes;
  for (const p of peers) {
    if (p.family !== family) continue;
    // A byte loop: Buffer#copy costs more per call than 6 or 18 bytes are worth.
    const bytes = p.compact;
    for (let k = 0; k < bytes.length; k++) out[at + k] = bytes[k]!;
    at += bytes.length;
  }
  return out;
}
