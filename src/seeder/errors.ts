import { BadGatewayError, GlanceError, NotFoundError, UnavailableError } from '../core/errors.js';
import { IntegrityError, ObjectNotFoundError, StoreAuthError, StoreError, TransientStoreError, UnknownStoreError } from '../stores/index.js';

/** A chunk that is missing in its store or no longer what the registry recorded (502, naming the chunk). */
export class ChunkMismatchError extends BadGatewayError {
  constructor(message: string, details: { chunk: number; url: string; reason: 'missing' | 'etag' | 'size' | 'unreadable'; expected?: unknown; actual?: unknown }) {
    super(message, details);
  }
}

/** Bytes that do not hash to what the registry recorded: the stream is cut, nothing is cached. */
export class CorruptDataError extends BadGatewayError {
  constructor(message: string, details: Record<string, unknown>) {
    super(message, details);
  }
}

/**
 * Translate a store error into the domain (once, at Teller's edge, as distribution
 * does): a store that is down or refuses our credentials is a bad gateway for the
 * caller, never a 401 or 404 of their own.
 */
export function fromStoreError(err: unknown, context: string): GlanceError {
  if (err instanceof GlanceError) return err;
  if (err instanceof ObjectNotFoundError) return new BadGatewayError(`${context}: object missing in the store`, { reason: 'missing' }, { cause: err });
  if (err instanceof UnknownStoreError) return new UnavailableError(`${context}: ${err.message}`, undefined, { cause: err });
  if (err instanceof StoreAuthError) return new BadGatewayError(`${context}: the store refused Teller's credentials`, undefined, { cause: err });
  if (err instanceof IntegrityError) return new CorruptDataError(`${context}: ${err.message}`, {});
  if (err instanceof TransientStoreError) return new BadGatewayError(`${context}: the store failed (${err.message})`, undefined, { cause: err });
  if (err instanceof StoreError) return new BadGatewayError(`${context}: ${err.message}`, undefined, { cause: err });
  return new BadGatewayError(`${context}: ${(err as Error)?.message ?? String(err)}`, undefined, { cause: err });
}

export { NotFoundError };
