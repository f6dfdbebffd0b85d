/**
 * The one interface every object store implements (file, http, s3, swift) and every
 * wrapper passes through. Modelled on distribution's storagedriver.StorageDriver:
 * each method states its contract, including the errors it throws (see ./errors.ts).
 * Every error a store throws or emits is a StoreError.
 */
import type { Readable, Writable } from 'node:stream';

/** What a HEAD tells about one object. */
export interface ObjectInfo {
  key: string;
  size: number;
  /**
   * The store's etag. S3 and HTTP: the ETag header without its surrounding double quotes
   * (a weak `W/"x"` becomes `W/x`). Swift: the header exactly as Swift sends it, so a plain
   * object gives its bare MD5 and an SLO/DLO manifest its quoted MD5 of segment etags.
   * File: the MD5 of the content, hex.
   */
  etag: string;
  lastModified: Date | undefined;
  contentType: string | undefined;
}

/** One object of a listing. */
export interface ListEntry {
  key: string;
  size: number;
  /** Same form as ObjectInfo.etag. */
  etag: string;
  lastModified: Date | undefined;
}

/** Which bytes to read. */
export interface ReadOptions {
  /** First byte to read; default 0. Must be an integer ≥ 0 and ≤ the object's size. */
  offset?: number;
  /** Most bytes to read; default to the end. A range past the end is cut at the end. */
  length?: number;
  /** Aborts the request and errors the stream with StoreAbortedError; read() rejects with it if the signal fired already. */
  signal?: AbortSignal;
}

/** Hints for a write. */
export interface WriteOptions {
  /** Exact byte count, when known: lets stores send Content-Length; a writer given more or fewer bytes fails with IntegrityError. */
  size?: number;
  /** Stored as the object's content type where the store keeps one; default application/octet-stream. */
  contentType?: string;
  /** Aborting cancels the writer as cancel() would. */
  signal?: AbortSignal;
}

/** What the store reported after it committed an object. */
export interface WriteResult {
  /** The etag the store returned for the new object (ObjectInfo.etag's form). */
  etag: string;
  size: number;
}

/** A read's byte stream; `bytesRead` lets wrappers count bytes without adding a stream hop. */
export interface ObjectReadStream extends Readable {
  /** Bytes delivered to the consumer so far. */
  readonly bytesRead: number;
}

/**
 * A streaming upload. Write bytes into it (or pipe into it), then commit() (or end() it:
 * ending commits). Destroying it, with or without an error, cancels it. Nothing is
 * visible under the key until the commit succeeded, and a cancelled or failed writer
 * leaves the key as it was (no partial object, no temp file, no multipart upload).
 * The writer keeps its own 'error' listener, so an error never crashes the process:
 * it reaches the caller through write callbacks, commit() and pipeline().
 */
export interface ObjectWriter extends Writable {
  readonly key: string;
  /** Bytes accepted so far. */
  readonly bytesWritten: number;
  /** Set once the commit succeeded. */
  readonly result: WriteResult | undefined;
  /**
   * Ends the stream and waits for the store to confirm. Rejects with the writer's failure
   * (IntegrityError when `size` was given and not met, TransientStoreError, StoreAuthError,
   * ObjectTooLargeError…) or StoreAbortedError when it was cancelled. Calling it again returns the same result.
   */
  commit(): Promise<WriteResult>;
  /** Abandons the upload and removes whatever it left behind. A no-op after a successful commit. Never rejects. */
  cancel(): Promise<void>;
}

/** An object store holding opaque keys (`a/b/c`, see keys.ts) mapped to byte strings. */
export interface ObjectStore {
  /** The configured store id, e.g. `swift-prod`; locations name it. */
  readonly id: string;
  /** The adapter type name: file, http, s3, swift. */
  readonly type: string;
  /** True when write and delete throw ReadOnlyStoreError. */
  readonly readOnly: boolean;

  /**
   * Size, etag and last-modified of one object.
   * Throws ObjectNotFoundError when there is none, InvalidKeyError for a bad key,
   * StoreAuthError when the store refuses our credentials, TransientStoreError for faults that may pass.
   */
  head(key: string): Promise<ObjectInfo>;

  /**
   * Opens a stream of the bytes [offset, min(offset + length, size)). Resolves once the store
   * answered, so a missing object rejects (ObjectNotFoundError) instead of erroring the stream.
   * offset == size gives an empty stream; offset > size, or a negative or non-integer offset or
   * length, rejects with InvalidRangeError. The stream errors (never just ends) when fewer or more
   * bytes arrive than the store announced: IntegrityError or TransientStoreError. Destroying the
   * stream aborts the request.
   */
  read(key: string, options?: ReadOptions): Promise<ObjectReadStream>;

  /**
   * Opens a streaming upload to `key` (see ObjectWriter). Rejects with ReadOnlyStoreError on a
   * read-only store and InvalidKeyError for a bad key, before any byte is sent.
   */
  write(key: string, options?: WriteOptions): Promise<ObjectWriter>;

  /**
   * Removes the object. Deleting a missing key succeeds (idempotent). On Swift, deleting a
   * manifest removes the manifest only. ReadOnlyStoreError on a read-only store.
   */
  delete(key: string): Promise<void>;

  /**
   * Every object whose key starts with `prefix` ('' for all), in ascending byte order of the
   * UTF-8 key (the order S3 and Swift list in), so a retried listing can resume after the last key.
   * UnsupportedOperationError where the store cannot list (http).
   */
  list(prefix: string): AsyncIterable<ListEntry>;

  /** The location URL of `key` (file://…, https://…, s3://bucket/key, swift://container/key); never carries credentials. */
  locationUrl(key: string): string;

  /** The key that `url` names in this store, or undefined when the URL is not this store's. */
  keyOf(url: string): string | undefined;

  /** Releases connection pools. The store is unusable afterwards. */
  close(): Promise<void>;
}
