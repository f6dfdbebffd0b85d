import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpStore } from '../../src/stores/http/http-store.js';
import { startHttpFileServer } from '../helpers/http-file-server.js';
import { describeConformance, type ConformanceTarget } from './conformance.js';

/** A conformance target over the test HTTP server, content seeded into its folder. */
export async function httpTarget(ignoreRange: boolean): Promise<ConformanceTarget> {
  const server = await startHttpFileServer({ ignoreRange });
  const path = (key: string) => join(server.root, ...key.split('/'));
  return {
    store: new HttpStore('web', { baseUrl: server.url }),
    seed: async (key, data) => {
      await mkdir(dirname(path(key)), { recursive: true });
      if (Buffer.isBuffer(data)) await writeFile(path(key), data);
      else await pipeline(data as Readable, createWriteStream(path(key)));
    },
    unseed: async (key) => {
      await rm(path(key), { force: true });
    },
    leftovers: async () => {
      const entries = await readdir(server.root, { recursive: true, withFileTypes: true });
      return entries.filter((e) => !e.isDirectory()).map((e) => join(e.parentPath, e.name));
    },
    teardown: () => server.stop(),
  };
}

describeConformance('http', () => httpTarget(false));
describeConformance('http (server ignores Range)', () => httpTarget(true));
