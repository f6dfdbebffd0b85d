import { InvalidRangeError, ObjectNotFoundError, ObjectTooLargeError, StoreAuthError, StoreError, StoreProtocolError, TransientStoreError } from '../errors.js';
import { translateNetworkError } from '../http/http-errors.js';

const AUTH_CODES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'CredentialsProviderError', 'AuthorizationHeaderMalformed']);
const TRANSIENT_CODES = new Set(['SlowDown', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'RequestTimeTooSkewed', 'TimeoutError', 'ThrottlingException']);

/** Turns an @aws-sdk/client-s3 error (service or network) into a StoreError. */
export function translateS3Error(err: unknown, key: string | undefined, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = e?.$metadata?.httpStatusCode;
  const name = e?.Code ?? e?.name ?? '';
  const options = { key, cause: err };
  const message = `${what}: ${name}${status ? ` (HTTP ${status})` : ''}`;
  if (name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket')) {
    return key ? new ObjectNotFoundError(key, options) : new StoreProtocolError(message, options);
  }
  if (name === 'NoSuchBucket') return new StoreProtocolError(`${what}: the bucket does not exist`, options);
  if (AUTH_CODES.has(name) || status === 401 || status === 403) return new StoreAuthError(message, options);
  if (name === 'InvalidRange' || status === 416) return new InvalidRangeError(message, options);
  if (name === 'EntityTooLarge' || status === 413) return new ObjectTooLargeError(message, options);
  if (TRANSIENT_CODES.has(name) || (status !== undefined && (status >= 500 || status === 429 || status === 408))) {
    return new TransientStoreError(message, options);
  }
  if (status === undefined) return translateNetworkError(err, key, what);
  return new StoreProtocolError(`${message}: ${e?.message ?? ''}`, options);
}
