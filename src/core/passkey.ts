import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A tracker passkey: the caller's identity plus an HMAC of it under the tracker
 * secret, so the tracker can check it without a database call.
 * Form: base64url(user \n project \n flags) "." base64url(hmac[0..16]).
 */

/** The claims a passkey carries. `admin` lets the tracker skip the per-image check. */
export interface PasskeyClaims {
  userId: string;
  projectId: string;
  admin: boolean;
}

const MAC_BYTES = 16;

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update('passkey\0').update(payload).digest().subarray(0, MAC_BYTES);
}

/** Make the passkey for a principal. */
export function createPasskey(secret: string, claims: PasskeyClaims): string {
  const payload = Buffer.from(`${claims.userId}\n${claims.projectId}\n${claims.admin ? 'a' : ''}`).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** Check a passkey; returns its claims, or null when it is malformed or forged. */
export function verifyPasskey(secret: string, passkey: string): PasskeyClaims | null {
  if (typeof passkey !== 'string' || passkey.length > 512) return null;
  const dot = passkey.indexOf('.');
  if (dot <= 0) return null;
  const payload = passkey.slice(0, dot);
  const given = Buffer.from(passkey.slice(dot + 1), 'base64url');
  const expected = mac(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const parts = Buffer.from(payload, 'base64url').toString('utf8').split('\n');
  if (parts.length !== 3) return null;
  return { userId: parts[0]!, projectId: parts[1]!, admin: parts[2] === 'a' };
}
