import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { CheckedReadStream, emptyReadStream } from '../checked-read-stream.js';
import { InvalidRangeError, ReadOnlyStoreError, StoreProtocolError } from '../errors.js';
import { stripQuotes } from '../http/http-errors.js';
import { decodeKeyPath, encodeKeyPath, validateKey } from '../keys.js';
import type { ListEntry, ObjectInfo, ObjectReadStream, ObjectStore, ObjectWriter, ReadOptions, WriteOptions } from '../object-store.js';
import { bytesFromContentRange, bytesInRange, normalizeRange, rangeHeader } from '../range.js';
import { translateS3Error } from './s3-errors.js';
import { S3Writer } from './s3-writer.js';
import type { S3StoreOptions } from './s3-options.js';

const MiB = 1024 * 1024;

/** Objects in one S3 bucket through @aws-sdk/client-s3; the retry wrapper, not the SDK, retries. */
export class S3Store implements ObjectStore {
  readonly type = 's3';
  readonly readOnly: boolean;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #options: S3StoreOptions;

  constructor(readonly id: string, options: S3StoreOptions) {
    this.#options = options;
    this.#bucket = options.bucket;
    this.readOnly = options.readOnly ?? false;
    const timeout = options.timeoutMs ?? 30_000;
    const agentOptions = { keepAlive: true, maxSockets: 64 };
    this.#client = new S3Client({
      region: options.region ?? 'us-east-1',
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      credentials:
        options.accessKeyId && options.secretAccessKey
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, sessionToken: options.sessionToken }
          : undefined,
      // Streamed PUTs with the default (aws-chunked) checksums fail on Swift's s3api and corrupt s3rver.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
      requestHandler: {
        connectionTimeout: timeout,
        requestTimeout: timeout,
        httpAgent: new HttpAgent(agentOptions),
        httpsAgent: new HttpsAgent(agentOptions),
      },
    });
  }

  async head(key: string): Promise<ObjectInfo> {
    validateKey(key);
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return { key, size: out.ContentLength ?? 0, etag: stripQuotes(out.ETag), lastModified: out.LastModified, contentType: out.ContentType };
    } catch (err) {
      throw translateS3Error(err, key, `HEAD ${key}`);
    }
  }

  async read(key: string, options: ReadOptions = {}): Promise<ObjectReadStream> {
    validateKey(key);
    const range = normalizeRange(key, options);
    if (range.length === 0) {
      bytesInRange(key, range, (await this.head(key)).size);
      return emptyReadStream(key);
    }
    let out;
    try {
      out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key, Range: rangeHeader(range) }), { abortSignal: options.signal });
    } catch (err) {
      const translated = translateS3Error(err, key, `GET ${key}`);
      if (!(translated instanceof InvalidRangeError)) throw translated;
      // 416: fine at exactly the end (an empty read), an error beyond it.
      bytesInRange(key, range, (await this.head(key)).size);
      return emptyReadStream(key);
    }
    const body = out.Body as Readable;
    const translate = (err: unknown) => translateS3Error(err, key, `GET ${key}`);
    let expected = out.ContentLength;
    try {
      if (out.ContentRange) expected = bytesFromContentRange(key, range, out.ContentRange);
      else if (range.offset > 0) throw new StoreProtocolError(`GET ${key}: the server ignored Range`, { key });
    } catch (err) {
      body.on('error', () => undefined).destroy();
      throw err;
    }
    return new CheckedReadStream(body, { key, expected, signal: options.signal, translate });
  }

  async write(key: string, options: WriteOptions = {}): Promise<ObjectWriter> {
    if (this.readOnly) throw new ReadOnlyStoreError({ key });
    validateKey(key);
    const o = this.#options;
    return new S3Writer(
      {
        client: this.#client,
        bucket: this.#bucket,
        key,
        contentType: options.contentType ?? 'application/octet-stream',
        multipartThreshold: o.multipartThreshold ?? 64 * MiB,
        partSize: o.partSize ?? 16 * MiB,
        queueSize: o.queueSize ?? 4,
      },
      options.size,
      options.signal,
    );
  }

  async delete(key: string): Promise<void> {
    if (this.readOnly) throw new ReadOnlyStoreError({ key });
    validateKey(key);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
    } catch (err) {
      const translated = translateS3Error(err, key, `DELETE ${key}`);
      if (translated.code !== 'NOT_FOUND') throw translated;
    }
  }

  async *list(prefix: string): AsyncIterable<ListEntry> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.#client.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix || undefined, ContinuationToken: token }));
      } catch (err) {
        throw translateS3Error(err, undefined, `LIST ${prefix}`);
      }
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        yield { key: o.Key, size: o.Size ?? 0, etag: stripQuotes(o.ETag), lastModified: o.LastModified };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  locationUrl(key: string): string {
    return `s3://${this.#bucket}/${encodeKeyPath(validateKey(key))}`;
  }

  keyOf(url: string): string | undefined {
    const head = `s3://${this.#bucket}/`;
    return url.startsWith(head) ? decodeKeyPath(url.slice(head.length)) : undefined;
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}
