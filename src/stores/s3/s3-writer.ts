import { PassThrough } from 'node:stream';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { StoreAbortedError } from '../errors.js';
import { stripQuotes } from '../http/http-errors.js';
import type { WriteResult } from '../object-store.js';
import { StoreWriter } from '../store-writer.js';
import { translateS3Error } from './s3-errors.js';

/** Where and how an S3 writer uploads. */
export interface S3WriteTarget {
  client: S3Client;
  bucket: string;
  key: string;
  contentType: string;
  /** Objects of a known size up to this go in one streamed PutObject; the rest as multipart. */
  multipartThreshold: number;
  partSize: number;
  queueSize: number;
}

/**
 * Streams into S3: one PutObject with Content-Length when the size is known and small,
 * else a multipart Upload (lib-storage) that holds at most queueSize × partSize bytes and
 * is aborted on failure or cancel. The request starts with the first byte, so a writer that
 * never gets one creates nothing until commit.
 */
export class S3Writer extends StoreWriter {
  readonly #target: S3WriteTarget;
  readonly #body = new PassThrough({ highWaterMark: 1 << 20 });
  readonly #abort = new AbortController();
  #upload: Upload | undefined;
  #done: Promise<string | undefined> | undefined;

  constructor(target: S3WriteTarget, size: number | undefined, signal?: AbortSignal) {
    super(target.key, size, signal);
    this.#target = target;
    this.#body.on('error', () => undefined);
  }

  #start(): Promise<string | undefined> {
    if (this.#done) return this.#done;
    const { client, bucket, key, contentType, multipartThreshold, partSize, queueSize } = this.#target;
    const size = this.expectedSize;
    if (size !== undefined && size <= multipartThreshold) {
      const put = new PutObjectCommand({ Bucket: bucket, Key: key, Body: this.#body, ContentLength: size, ContentType: contentType });
      this.#done = client.send(put, { abortSignal: this.#abort.signal }).then((out) => out.ETag);
    } else {
      this.#upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: this.#body, ContentType: contentType },
        partSize,
        queueSize,
        leavePartsOnError: false,
      });
      this.#done = this.#upload.done().then((out) => out.ETag);
    }
    // A store that fails while we are still sending: fail the writer now rather than at commit.
    this.#done.catch((err: unknown) => {
      if (!this.destroyed) this.destroy(translateS3Error(err, key, `PUT ${key}`));
    });
    return this.#done;
  }

  protected async send(chunk: Buffer): Promise<void> {
    void this.#start();
    if (this.#body.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.#body.off('drain', done);
        this.#body.off('close', done);
        resolve();
      };
      this.#body.on('drain', done);
      this.#body.on('close', done);
    });
  }

  protected async finish(): Promise<WriteResult> {
    const done = this.#start();
    this.#body.end();
    try {
      const etag = await done;
      return { etag: stripQuotes(etag), size: this.bytesWritten };
    } catch (err) {
      throw translateS3Error(err, this.key, `PUT ${this.key}`);
    }
  }

  protected async abort(err: Error | null): Promise<void> {
    if (!this.#done) return;
    this.#abort.abort(err ?? new StoreAbortedError());
    this.#body.destroy();
    await this.#upload?.abort().catch(() => undefined);
    await this.#done.catch(() => undefined);
  }
}
