import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectStore } from '../../src/stores/object-store.js';
import { FileStore } from '../../src/stores/file/file-store.js';
import { HttpStore } from '../../src/stores/http/http-store.js';
import { S3Store } from '../../src/stores/s3/s3-store.js';
import { SwiftStore } from '../../src/stores/swift/swift-store.js';
import { startNginx } from '../../test/helpers/nginx.js';
import { startS3rver } from '../../test/helpers/s3rver.js';
import { startSwift, type SwiftServer } from '../../test/helpers/swift-aio.js';
import { curl } from './curl.js';

/** One adapter against one real server, with the curl commands that move the same object. */
export interface BenchTarget {
  name: string;
  store: ObjectStore;
  /** Puts the source file under `key` without our code (curl or a file copy). */
  seed(src: string, key: string): Promise<void>;
  /** curl arguments that download `key` from the same server. */
  curlRead(key: string): string[];
  /** curl arguments that upload `src` to `key`; undefined for read-only stores. */
  curlWrite?(src: string, key: string): string[];
  stop(): Promise<void>;
}

const sigv4 = (region: string) => ['--aws-sigv4', `aws:amz:${region}:s3`, '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD'];

// curl splits --user at the first colon; s3api's access key (`account:user`) has one, so it goes percent-encoded in the URL.
function s3Url(endpoint: string, accessKey: string, secret: string, bucket: string, key: string): string {
  const u = new URL(`${endpoint}/${bucket}/${key}`);
  u.username = encodeURIComponent(accessKey);
  u.password = encodeURIComponent(secret);
  return u.href;
}

/** A file store on a temp folder; curl reads and writes file:// URLs. `fsync` as configured (curl never syncs). */
export async function fileTarget(fsync = true): Promise<BenchTarget> {
  const root = await mkdtemp(join(tmpdir(), 'bench-file-'));
  return {
    name: fsync ? 'file' : 'file (fsync off)',
    store: new FileStore('file', { root, fsync }),
    seed: (src, key) => copyFile(src, join(root, key)),
    curlRead: (key) => [`file://${join(root, key)}`],
    curlWrite: (src, key) => ['-T', src, `file://${join(root, key)}`],
    stop: () => rm(root, { recursive: true, force: true }),
  };
}

/** The http store against nginx (sendfile), the raw-speed reference. */
export async function nginxTarget(): Promise<BenchTarget> {
  const root = await mkdtemp(join(tmpdir(), 'bench-nginx-'));
  const nginx = await startNginx(root);
  const store = new HttpStore('http', { baseUrl: nginx.url });
  return {
    name: 'http (nginx)',
    store,
    seed: (src, key) => copyFile(src, join(root, key)),
    curlRead: (key) => [`${nginx.url}${key}`],
    stop: async () => {
      await store.close();
      await nginx.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * Above the S3 adapter's multipart threshold (64 MiB by default) a write goes in parts that
 * are retried alone on a fault; `onePut` raises the threshold past the bench object, so the
 * write is one streamed PutObject, as curl's is (nothing to retry it from if it fails).
 */
const ONE_PUT = { multipartThreshold: 512 * 1024 * 1024 };

/** The s3 store against s3rver in a child process. */
export async function s3rverTarget(onePut = false): Promise<BenchTarget> {
  const server = await startS3rver(['bench']);
  const store = new S3Store('s3rver', { bucket: 'bench', endpoint: server.endpoint, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey, ...(onePut ? ONE_PUT : {}) });
  const url = (key: string) => s3Url(server.endpoint, server.accessKeyId, server.secretAccessKey, 'bench', key);
  const target: BenchTarget = {
    name: onePut ? 's3 (s3rver, one PUT)' : 's3 (s3rver)',
    store,
    seed: async (src, key) => void (await curl([...target.curlWrite!(src, key)], 'upload')),
    curlRead: (key) => [...sigv4(server.region), url(key)],
    curlWrite: (src, key) => [...sigv4(server.region), '-T', src, url(key)],
    stop: async () => {
      await store.close();
      await server.stop();
    },
  };
  return target;
}

/** The s3 store against Swift's s3api; `swift` is shared with swiftTarget. */
export async function swiftS3Target(swift: SwiftServer, onePut = false): Promise<BenchTarget> {
  await swift.createContainer('bench-s3');
  const store = new S3Store('swift-s3', { bucket: 'bench-s3', endpoint: swift.s3Endpoint, region: swift.region, accessKeyId: swift.s3AccessKey, secretAccessKey: swift.s3Secret, ...(onePut ? ONE_PUT : {}) });
  const url = (key: string) => s3Url(swift.s3Endpoint, swift.s3AccessKey, swift.s3Secret, 'bench-s3', key);
  const target: BenchTarget = {
    name: onePut ? 's3 (Swift s3api, one PUT)' : 's3 (Swift s3api)',
    store,
    seed: async (src, key) => void (await curl([...target.curlWrite!(src, key)], 'upload')),
    curlRead: (key) => [...sigv4(swift.region), url(key)],
    curlWrite: (src, key) => [...sigv4(swift.region), '-T', src, url(key)],
    stop: () => store.close(),
  };
  return target;
}

/** The swift store (native API, tempauth). */
export async function swiftTarget(swift: SwiftServer): Promise<BenchTarget> {
  await swift.createContainer('bench');
  const store = new SwiftStore('swift', { auth: { type: 'tempauth', url: swift.authUrl, user: swift.user, key: swift.key }, container: 'bench' });
  const token = await swift.token();
  const target: BenchTarget = {
    name: 'swift',
    store,
    seed: async (src, key) => void (await curl([...target.curlWrite!(src, key)], 'upload')),
    curlRead: (key) => ['-H', `X-Auth-Token: ${token}`, `${swift.storageUrl}/bench/${key}`],
    curlWrite: (src, key) => ['-H', `X-Auth-Token: ${token}`, '-T', src, `${swift.storageUrl}/bench/${key}`],
    stop: () => store.close(),
  };
  return target;
}

export { startSwift };
