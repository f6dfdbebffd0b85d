import { InvalidInputError } from './errors.js';

/** A BitTorrent v1 infohash: 40 lowercase hex characters. Build it with parseInfoHash. */
export type InfoHash = string & { readonly __brand: 'InfoHash' };

const HEX40 = /^[0-9a-fA-F]{40}$/;
const BASE32 = /^[A-Z2-7]{32}$/i;

/** Validate an infohash given as 40 hex characters (or 32 base32 ones, as in some magnets). */
export function parseInfoHash(value: string): InfoHash {
  if (HEX40.test(value)) return value.toLowerCase() as InfoHash;
  if (BASE32.test(value)) return base32ToHex(value.toUpperCase()) as InfoHash;
  throw new InvalidInputError(`Not a BitTorrent infohash: ${JSON.stringify(value.slice(0, 64))}`);
}

/** True when value is already a valid hex infohash. */
export function isInfoHash(value: unknown): value is InfoHash {
  return typeof value === 'string' && HEX40.test(value);
}

function base32ToHex(value: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of value) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  let hex = '';
  for (let i = 0; i + 4 <= bits.length; i += 4) hex += parseInt(bits.slice(i, i + 4), 2).toString(16);
  return hex;
}
