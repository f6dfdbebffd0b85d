/**
 * Errors of the storage layer. They name store facts (a missing object, a refused
 * credential), never HTTP statuses: Teller translates them once into domain errors.
 * A wrapper (wrappers/error-stamp.ts) stamps the store id on every one that leaves a store.
 */

/** Machine-readable reason of a StoreError. */
export type StoreErrorCode =
  | 'NOT_FOUND'
  | 'READ_ONLY'
  | 'AUTH'
  | 'INVALID_KEY'
  | 'INVALID_RANGE'
  | 'INVALID_ARGUMENT'
  | 'INVALID_CONFIG'
  | 'UNKNOWN_STORE'
  | 'UNSUPPORTED'
  | 'TOO_LARGE'
  | 'TRANSIENT'
  | 'INTEGRITY'
  | 'ABORTED'
  | 'PROTOCOL'
  | 'INTERNAL';

/** Options every StoreError takes. */
export interface StoreErrorOptions {
  key?: string | undefined;
  storeId?: string | undefined;
  cause?: unknown;
}

/** Base of every error a store throws; `transient` tells the retry wrapper whether trying again can help. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly transient: boolean;
  readonly key: string | undefined;
  /** Set by the store that threw it (or by the error-stamp wrapper on its way out). */
  storeId: string | undefined;

  constructor(code: StoreErrorCode, message: string, options: StoreErrorOptions = {}, transient = false) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.transient = transient;
    this.key = options.key;
    this.storeId = options.storeId;
  }
}

/** The key names no object (head, read). Never thrown by delete, which is idempotent. */
export class ObjectNotFoundError extends StoreError {
  constructor(key: string, options: StoreErrorOptions = {}) {
    super('NOT_FOUND', `object not found: ${key}`, { ...options, key });
  }
}

/** A write or delete on a store that only reads (http, or one configured read-only). */
export class ReadOnlyStoreError extends StoreError {
  constructor(options: StoreErrorOptions = {}) {
    super('READ_ONLY', 'store is read-only', options);
  }
}

/** The store refused our credentials (wrong key, expired token that could not be renewed, no permission). */
export class StoreAuthError extends StoreError {
  constructor(message: string, options: StoreErrorOptions = {}) {
    super('AUTH', message, options);
  }
}

/** A key that could escape the store or that the store cannot represent ('..', absolute, NUL, too long). */
export class InvalidKeyError extends StoreError {
  constructor(key: string, reason: string, options: StoreErrorOptions = {}) {
    super('INVALID_KEY', `invalid key ${JSON.stringify(key)}: ${reason}`, { ...options, key });
  }
}

/** A read whose offset lies beyond the end of the object, or a negative/non-integer offset or length. */
export class InvalidRangeError extends StoreError {
  constructor(message: string, options: StoreErrorOptions = {}) {
    super('INVALID_RANGE', message, options);
  }
}

/** A bad argument to a storage call other than a key or range (a chunk size of 0, a negative size). */
export class InvalidArgumentError extends StoreError {
  constructor(message: string, options: StoreErrorOptions = {}) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** A store configuration that fails validation, or an unknown store type. */
export class StoreConfigError extends StoreError {
  constructor(message: string, readonly problems: string[] = [], options: StoreErrorOptions = {}) {
    super('INVALID_CONFIG', problems.length ? `${message}: ${problems.join('; ')}` : message, options);
  }
}

/** A store id or location URL that no configured store serves. */
export class UnknownStoreError extends StoreError {
  constructor(message: string, options: StoreErrorOptions = {}) {
    super('UNKNOWN_STORE', message, options);
  }
}

/** An operation this kind of store cannot do (listing a plain HTTP server). */
export class UnsupportedOperationError extends StoreError {
  constructor(message: string, options: StoreErrorOptions = {}) {
    super('UNSUPPORTED', message, options);
  }
}

/** An object larger than the store accepts (Swift and S3 take at most 5 GiB in one PUT). */
export class ObjectTooLargeError extends StoreError {
  constructor(message: string, options: StoreErrorOptions = {}) {
    super('TOO_LARGE', message, options);
  }
}

/** A fault that may pass: 5xx, a reset or refused connection, a timeout, a body cut short by the network. */
export class TransientStoreError extends StoreError {
  constructor(message: string, options: StoreErrorOptions = {}) {
    super('TRANSIENT', message, options, true);
  }
}

/** Bytes that do not match what was promised: a short body, a size or etag mismatch. */
export class IntegrityError extends StoreError {
  constructor(message: string, options: StoreErrorOptions = {}, transient = false) {
    super('INTEGRITY', message, options, transient);
  }
}

/** The caller's AbortSignal fired, or a writer was cancelled. */
export class StoreAbortedError extends StoreError {
  constructor(message = 'operation aborted', options: StoreErrorOptions = {}) {
    super('ABORTED', message, options);
  }
}

/** The store answered something we do not understand or that it should not (an unexpected 4xx, bad XML). */
export class StoreProtocolError extends StoreError {
  constructor(message: string, options: StoreErrorOptions = {}) {
    super('PROTOCOL', message, options);
  }
}

/** True for a StoreError of the given code. */
export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}
