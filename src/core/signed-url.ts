import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring image file URLs: `?expires=<unix seconds>&sig=<hmac>`. Web seeds
 * and plain download tools send no auth headers, so the URL itself is the grant.
 */

function signature(secret: string, imageId: string, expires: number): string {
  return createHmac('sha256', secret).update(`file\0${imageId}\0${expires}`).digest('base64url');
}

/** Query parameters that grant reading one image's file until `expires` (unix seconds). */
export function signFileGrant(secret: string, imageId: string, expires: number): { expires: number; sig: string } {
  return { expires, sig: signature(secret, imageId, expires) };
}

/** Append a grant to a file URL. */
export function signFileUrl(secret: string, fileUrl: string, imageId: string, expires: number): string {
  const grant = signFileGrant(secret, imageId, expires);
  const url = new URL(fileUrl);
  url.searchParams.set('expires', String(grant.expires));
  url.searchParams.set('sig', grant.sig);
  return url.toString();
}

/** Why a grant was refused, or null when it is valid at `now` (unix seconds). */
export function checkFileGrant(secret: string, imageId: string, expires: string | undefined, sig: string | undefined, now: number): string | null {
  if (!expires || !sig) return 'missing expires or sig';
  if (!/^\d{1,12}$/.test(expires)) return 'malformed expires';
  const exp = Number(expires);
  if (exp < now) return 'signed URL expired';
  const expected = Buffer.from(signature(secret, imageId, exp));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'bad signature';
  return null;
}
