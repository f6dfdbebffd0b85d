import {
  InvalidRangeError,
  ObjectNotFoundError,
  ObjectTooLargeError,
  StoreAbortedError,
  StoreAuthError,
  StoreError,
  StoreProtocolError,
  TransientStoreError,
} from '../errors.js';

// Connection-level failures that another attempt may not meet.
const TRANSIENT_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
  'UND_ERR_REQ_RETRY', 'ERR_STREAM_PREMATURE_CLOSE',
]);

/** Turns a network-level failure (undici, node:net, a stream error) into a StoreError. */
export function translateNetworkError(err: unknown, key: string | undefined, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as { code?: string; name?: string; message?: string } | undefined;
  const options = { key, cause: err };
  if (e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED' || e?.code === 'ABORT_ERR') return new StoreAbortedError(`${what} aborted`, options);
  if (e?.code && TRANSIENT_CODES.has(e.code)) return new TransientStoreError(`${what} failed: ${e.code} ${e.message ?? ''}`.trim(), options);
  if (e?.message === 'terminated' || e?.message === 'other side closed') return new TransientStoreError(`${what} failed: ${e.message}`, options);
  return new StoreError('INTERNAL', `${what} failed: ${e?.message ?? String(err)}`, options);
}

/** Maps an HTTP status that is not a success into the StoreError it means for `key`. */
export function translateStatus(status: number, key: string | undefined, what: string): StoreError {
  const options = { key };
  const message = `${what}: HTTP ${status}`;
  if (status === 404 || status === 410) return key ? new ObjectNotFoundError(key) : new StoreProtocolError(message, options);
  if (status === 401 || status === 403) return new StoreAuthError(message, options);
  if (status === 416) return new InvalidRangeError(message, options);
  if (status === 413) return new ObjectTooLargeError(message, options);
  if (status === 408 || status === 429 || status >= 500) return new TransientStoreError(message, options);
  return new StoreProtocolError(message, options);
}

/** Removes one pair of surrounding double quotes from an ETag, and from a weak one's value (`W/"x"` → `W/x`). */
export function stripQuotes(etag: string | undefined): string {
  if (!etag) return '';
  const m = /^(W\/)?"(.*)"$/.exec(etag.trim());
  return m ? `${m[1] ?? ''}${m[2]}` : etag.trim();
}

/** A response header as one string (undici gives arrays for repeated headers). */
export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
