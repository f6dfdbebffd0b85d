/**
 * Domain errors shared by every part. They say *what* went wrong; only the HTTP
 * layer (src/core/http/error-handler.ts) turns a kind into a status code.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'range_not_satisfiable'
  | 'bad_gateway'
  | 'integrity'
  | 'unavailable'
  | 'internal';

/** Base of every error this project throws on purpose. */
export class GlanceError extends Error {
  readonly kind: ErrorKind;
  /** Machine-readable extra facts (a chunk index, a field name) for the JSON error body. */
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: ErrorKind, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.kind = kind;
    this.details = details;
  }
}

/** Input that fails validation: a bad filter, a wrong type, an unknown sort key. */
export class InvalidInputError extends GlanceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('invalid', message, details);
  }
}

/** No credentials, or credentials that are not valid. */
export class UnauthorizedError extends GlanceError {
  constructor(message = 'Authentication required') {
    super('unauthorized', message);
  }
}

/** Valid credentials that do not allow the action. */
export class ForbiddenError extends GlanceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('forbidden', message, details);
  }
}

/** A resource that does not exist (or that the caller may not know exists). */
export class NotFoundError extends GlanceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('not_found', message, details);
  }
}

/** An action that the resource's current state does not allow. */
export class ConflictError extends GlanceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, details);
  }
}

/** A body or image larger than a configured cap. */
export class TooLargeError extends GlanceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('too_large', message, details);
  }
}

/** A request body in a media type the route does not take. */
export class UnsupportedMediaTypeError extends GlanceError {
  constructor(message: string) {
    super('unsupported_media_type', message);
  }
}

/** A Range header that cannot be satisfied for a resource of this size. */
export class RangeNotSatisfiableError extends GlanceError {
  constructor(message: string, readonly size: number) {
    super('range_not_satisfiable', message, { size });
  }
}

/** An upstream (object store, other registry) that answered wrongly or with data that fails checks. */
export class BadGatewayError extends GlanceError {
  constructor(message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super('bad_gateway', message, details, options);
  }
}

/** Bytes that do not match the checksum they must have (a download, a copy). */
export class IntegrityFailure extends GlanceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('integrity', message, details);
  }
}

/** A dependency that is down or not configured right now. */
export class UnavailableError extends GlanceError {
  constructor(message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super('unavailable', message, details, options);
  }
}

/** True when `err` is a GlanceError of the given kind. */
export function isErrorKind(err: unknown, kind: ErrorKind): err is GlanceError {
  return err instanceof GlanceError && err.kind === kind;
}
