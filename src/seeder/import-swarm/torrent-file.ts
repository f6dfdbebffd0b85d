import { createHash } from 'node:crypto';
import bencode from 'bencode';
import { fetch } from 'undici';
import { BadGatewayError, InvalidInputError, UnavailableError } from '../../core/errors.js';

/** A .torrent, checked: its infohash, its info dict and the byte count of its payload. */
export interface TorrentFile {
  bytes: Buffer;
  infohash: string;
  info: Record<string, unknown>;
  length: number;
}

/** Decode and check a .torrent: a bencoded dict with an info dict that has pieces, a piece length and files or a length. */
export function parseTorrentFile(bytes: Buffer): TorrentFile {
  let meta: Record<string, unknown>;
  try {
    meta = bencode.decode(bytes);
  } catch {
    throw new InvalidInputError('The torrent is not valid bencode');
  }
  const info = meta?.['info'] as Record<string, unknown> | undefined;
  if (!info || typeof info !== 'object' || info instanceof Uint8Array) throw new InvalidInputError('The torrent has no info dictionary');
  const pieceLength = info['piece length'];
  const pieces = info['pieces'];
  if (typeof pieceLength !== 'number' || pieceLength <= 0 || !(pieces instanceof Uint8Array) || pieces.length % 20 !== 0) throw new InvalidInputError('The torrent has no valid piece length or pieces (a v2-only torrent is not supported)');
  let length: number;
  if (Array.isArray(info['files'])) length = (info['files'] as Array<Record<string, unknown>>).reduce((sum, f) => sum + (typeof f['length'] === 'number' ? f['length'] : NaN), 0);
  else length = typeof info['length'] === 'number' ? info['length'] : NaN;
  if (!Number.isSafeInteger(length) || length < 0) throw new InvalidInputError('The torrent has no valid file lengths');
  if (Math.ceil(length / pieceLength) !== pieces.length / 20) throw new InvalidInputError('The torrent\'s piece count does not fit its length');
  return { bytes, infohash: createHash('sha1').update(bencode.encode(info)).digest('hex'), info, length };
}

/** A .torrent given inline, base64 (400 when it is not one). */
export function torrentFromBase64(text: unknown): TorrentFile {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/=\s]+$/.test(text)) throw new InvalidInputError('"torrent" must be a .torrent file in base64');
  return parseTorrentFile(Buffer.from(text, 'base64'));
}

/** Fetch a .torrent from a URL, at most `maxBytes` of it. */
export async function fetchTorrentFile(url: URL, maxBytes: number, signal: AbortSignal): Promise<TorrentFile> {
  let res;
  try {
    res = await fetch(url, { signal, redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new UnavailableError(`Could not fetch the torrent from ${url.origin}: ${cause?.code ?? (err as Error).message}`);
  }
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new BadGatewayError(`${url.origin}${url.pathname} answered HTTP ${res.status} for the torrent`);
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    // leaving the loop cancels the body
    if (size > maxBytes) throw new BadGatewayError(`The torrent at ${url.origin}${url.pathname} is larger than ${maxBytes} bytes`);
    parts.push(Buffer.from(chunk));
  }
  try {
    return parseTorrentFile(Buffer.concat(parts));
  } catch (err) {
    throw new BadGatewayError(`${url.origin}${url.pathname} is not a usable torrent: ${(err as Error).message}`);
  }
}
