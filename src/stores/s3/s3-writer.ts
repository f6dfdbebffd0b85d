import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
  type UploadPartCommandOutput,
} from '@aws-sdk/client-s3';
import { StoreAbortedError, StoreProtocolError, type StoreError } from '../errors.js';
import { stripQuotes } from '../http/http-errors.js';
import type { WriteResult } from '../object-store.js';
import { StoreWriter } from '../store-writer.js';
import { backoffDelay, DEFAULT_RETRY_POLICY } from '../wrappers/backoff.js';
import { translateS3Error } from './s3-errors.js';

/**
 * How a failed part is tried again: the store's retry wrapper cannot (it never re-sends a
 * writer's bytes), so the writer does, with the default policy whatever the store's `retry` says.
 */
const PART_RETRY = DEFAULT_RETRY_POLICY;

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
 * Streams into S3. A known size up to the threshold goes in one PutObject with
 * Content-Length, streamed. Anything else is cut into parts of partSize, at most queueSize
 * of them uploading at once (memory ≈ partSize × (queueSize + 1)); an object that ends
 * before its first part filled is sent as one PutObject. A part that meets a transient fault
 * (5xx, a reset) is sent again by itself, up to 4 tries. On failure or cancel, in-flight
 * parts are aborted and awaited first, and only then the multipart upload is aborted: an
 * abort that overtook a part would leave that part stored (seen on Swift's s3api).
 */
export class S3Writer extends StoreWriter {
  readonly #t: S3WriteTarget;
  readonly #abort = new AbortController();
  readonly #streamed: boolean;
  // Streamed single PUT.
  #body: PassThrough | undefined;
  #put: Promise<string | undefined> | undefined;
  // Multipart.
  #part: Buffer | undefined;
  #filled = 0;
  #partNumber = 0;
  #uploadId: Promise<string> | undefined;
  readonly #inflight = new Set<Promise<void>>();
  readonly #parts: Array<{ PartNumber: number; ETag: string }> = [];
  readonly #spare: Buffer[] = [];
  #failure: StoreError | undefined;

  constructor(target: S3WriteTarget, size: number | undefined, signal?: AbortSignal) {
    super(target.key, size, signal);
    this.#t = target;
    this.#streamed = size !== undefined && size <= target.multipartThreshold;
  }

  #translate(err: unknown): StoreError {
    return translateS3Error(err, this.key, `PUT ${this.key}`);
  }

  get #opts(): { abortSignal: AbortSignal } {
    return { abortSignal: this.#abort.signal };
  }

  protected async send(chunk: Buffer): Promise<void> {
    if (this.#streamed) return this.#sendStreamed(chunk);
    let rest = chunk;
    while (rest.length > 0) {
      this.#part ??= this.#spare.pop() ?? Buffer.allocUnsafe(this.#t.partSize);
      const n = Math.min(rest.length, this.#part.length - this.#filled);
      rest.copy(this.#part, this.#filled, 0, n);
      this.#filled += n;
      rest = rest.subarray(n);
      if (this.#filled === this.#part.length) {
        const full = this.#part;
        this.#part = undefined;
        this.#filled = 0;
        await this.#queuePart(full);
      }
    }
  }

  async #sendStreamed(chunk: Buffer): Promise<void> {
    if (!this.#body) {
      const body = new PassThrough({ highWaterMark: 1 << 20 });
      body.on('error', () => undefined);
      this.#body = body;
      const { bucket, key, contentType } = this.#t;
      const put = new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: this.expectedSize, ContentType: contentType });
      this.#put = this.#t.client.send(put, this.#opts).then((o) => o.ETag);
      // A store that fails while we are still sending: fail the writer now rather than at commit.
      this.#put.catch((err: unknown) => {
        if (!this.destroyed) this.destroy(this.#translate(err));
      });
    }
    const body = this.#body;
    if (body.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        body.off('drain', done);
        body.off('close', done);
        resolve();
      };
      body.on('drain', done);
      body.on('close', done);
    });
  }

  #createUpload(): Promise<string> {
    const { bucket, key, contentType } = this.#t;
    this.#uploadId ??= this.#t.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }), this.#opts).then((o) => {
      if (!o.UploadId) throw new StoreProtocolError(`CreateMultipartUpload for ${key} gave no UploadId`, { key });
      return o.UploadId;
    });
    return this.#uploadId;
  }

  async #queuePart(data: Buffer): Promise<void> {
    while (this.#inflight.size >= this.#t.queueSize) await Promise.race(this.#inflight);
    if (this.#failure) throw this.#failure;
    const uploadId = await this.#createUpload().catch((err: unknown) => Promise.reject(this.#translate(err)));
    const PartNumber = ++this.#partNumber;
    const { bucket, key } = this.#t;
    const part = this.#sendPart(() => new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber, Body: data, ContentLength: data.length })).then((o) => {
      if (!o.ETag) throw new StoreProtocolError(`UploadPart ${PartNumber} of ${key} gave no ETag`, { key });
      this.#parts.push({ PartNumber, ETag: o.ETag });
      // The request is over, so its buffer is free again: reuse it rather than leave GC a trail of parts.
      if (data.length === this.#t.partSize) this.#spare.push(data);
    }).catch((err: unknown) => {
      this.#failure ??= this.#translate(err);
      if (!this.destroyed) this.destroy(this.#failure);
    });
    this.#inflight.add(part);
    void part.finally(() => this.#inflight.delete(part));
  }

  /** Sends one part, again on a transient fault: the part is still in memory, so only it goes again. */
  async #sendPart(command: () => UploadPartCommand): Promise<UploadPartCommandOutput> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#t.client.send(command(), this.#opts);
      } catch (err) {
        const failure = this.#translate(err);
        if (!failure.transient || attempt >= PART_RETRY.attempts || this.#abort.signal.aborted) throw failure;
        // a cancel or another part's failure ends the wait, and then this part's tries
        await sleep(backoffDelay(PART_RETRY, attempt), undefined, { signal: this.#abort.signal }).catch(() => undefined);
        if (this.#abort.signal.aborted) throw failure;
      }
    }
  }

  protected async finish(): Promise<WriteResult> {
    if (this.#streamed) return this.#finishStreamed();
    const { bucket, key, contentType } = this.#t;
    const last = this.#part?.subarray(0, this.#filled) ?? Buffer.alloc(0);
    this.#part = undefined;
    try {
      if (this.#partNumber === 0) {
        const put = new PutObjectCommand({ Bucket: bucket, Key: key, Body: last, ContentLength: last.length, ContentType: contentType });
        const out = await this.#t.client.send(put, this.#opts);
        return { etag: stripQuotes(out.ETag), size: this.bytesWritten };
      }
      if (last.length > 0) await this.#queuePart(last);
      await Promise.all(this.#inflight);
      if (this.#failure) throw this.#failure;
      const parts = [...this.#parts].sort((a, b) => a.PartNumber - b.PartNumber);
      const complete = new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: await this.#createUpload(), MultipartUpload: { Parts: parts } });
      const out = await this.#t.client.send(complete, this.#opts);
      return { etag: stripQuotes(out.ETag), size: this.bytesWritten };
    } catch (err) {
      throw this.#translate(err);
    }
  }

  async #finishStreamed(): Promise<WriteResult> {
    if (!this.#put) await this.#sendStreamed(Buffer.alloc(0));
    this.#body!.end();
    try {
      return { etag: stripQuotes(await this.#put), size: this.bytesWritten };
    } catch (err) {
      throw this.#translate(err);
    }
  }

  protected async abort(err: Error | null): Promise<void> {
    this.#abort.abort(err ?? new StoreAbortedError());
    this.#body?.destroy();
    await this.#put?.catch(() => undefined);
    await Promise.allSettled([...this.#inflight]);
    const uploadId = await this.#uploadId?.catch(() => undefined);
    if (!uploadId) return;
    const { client, bucket, key } = this.#t;
    // A fresh signal: ours is aborted by now.
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
  }
}
