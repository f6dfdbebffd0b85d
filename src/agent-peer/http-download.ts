import { open, stat, truncate } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fetch, type Dispatcher } from 'undici';
import { GlanceError, UnavailableError } from '../core/errors.js';
import { errorFromResponse } from '../core/http-client.js';

/** One plain-HTTP download into a partial file. */
export interface HttpDownloadJob {
  url: string;
  headers: Record<string, string>;
  partial: string;
  size: number;
  /** The ETag the bytes must have (Teller's is the quoted SHA-256): a resume is only taken for the same bytes. */
  etag: string;
  stallMs: number;
  /** How to connect: the registry entry's TLS settings (its CA, or insecure). */
  dispatcher?: Dispatcher | undefined;
  onBytes?: (bytes: number) => void;
  signal?: AbortSignal;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/**
 * Download over plain HTTP with Range resume: what is already in the partial file is
 * kept and only the rest is asked for (If-Range guards against other bytes). A
 * server that answers 200 instead of 206 restarts the file. No bytes for `stallMs`
 * fails the download (network error) without losing what arrived. Returns the bytes
 * fetched by this call.
 */
export async function httpDownload(job: HttpDownloadJob): Promise<number> {
  let have = await sizeOf(job.partial);
  if (have > job.size) {
    await truncate(job.partial, 0);
    have = 0;
  }
  if (have === job.size) return 0;
  const headers: Record<string, string> = { ...job.headers };
  if (have > 0) {
    headers.range = `bytes=${have}-`;
    headers['if-range'] = job.etag;
  }
  const stall = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(new UnavailableError(`No data from ${new URL(job.url).host} for ${job.stallMs / 1000} s`)), job.stallMs);
  };
  arm();
  const signal = job.signal ? AbortSignal.any([job.signal, stall.signal]) : stall.signal;
  try {
    let res;
    try {
      res = await fetch(job.url, { headers, signal, ...(job.dispatcher ? { dispatcher: job.dispatcher } : {}) });
    } catch (err) {
      if (stall.signal.aborted) throw stall.signal.reason;
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new UnavailableError(`Cannot reach ${new URL(job.url).host}: ${cause?.code ?? (err as Error).message}`);
    }
    if (res.status !== 200 && res.status !== 206) throw await errorFromResponse(res, `GET ${new URL(job.url).pathname}`);
    if (res.status === 200 && have > 0) {
      await truncate(job.partial, 0);
      have = 0;
    }
    let done = have;
    const file = await open(job.partial, 'a');
    // progress counts bytes once they are written, so a killed fetch resumes from what it reported
    const sink = new Writable({
      highWaterMark: 4 * 1024 * 1024,
      write(data: Buffer, _enc, cb) {
        arm();
        file.write(data).then(() => {
          done += data.length;
          job.onBytes?.(done);
          cb();
        }, cb);
      },
      final(cb) {
        file.close().then(() => cb(), cb);
      },
      destroy(err, cb) {
        file.close().then(() => cb(err), () => cb(err));
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), sink, { signal });
    } catch (err) {
      if (stall.signal.aborted) throw stall.signal.reason;
      if (err instanceof GlanceError) throw err;
      throw new UnavailableError(`Download from ${new URL(job.url).host} broke off after ${done} bytes: ${(err as Error).message}`);
    }
    return done - have;
  } finally {
    clearTimeout(timer);
  }
}
