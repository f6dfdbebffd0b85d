import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize, sep } from 'node:path';

/** Behaviour of the test HTTP file server; change it at run time through `server.options`. */
export interface HttpFileServerOptions {
  /** Folder to serve; a temp folder (removed on stop) when omitted. */
  root?: string;
  /** Answer 200 with the whole file to ranged requests, as Python's http.server does. */
  ignoreRange?: boolean;
  /** Require this exact Authorization header, else 401. */
  authorization?: string;
  /** Send only this many body bytes, then destroy the socket: a server dying mid-read. */
  cutAfterBytes?: number;
}

/** A running test HTTP server. GET /r/N/path redirects N times before serving /path. */
export interface HttpFileServer {
  /** Base URL ending in '/', e.g. http://127.0.0.1:PORT/ */
  url: string;
  root: string;
  port: number;
  options: HttpFileServerOptions;
  /** Requests received, newest last (method, url, range header). */
  requests: Array<{ method: string; url: string; range: string | undefined }>;
  stop(): Promise<void>;
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    return n === 0 ? 'invalid' : { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'invalid';
  return { start, end };
}

async function serve(req: IncomingMessage, res: ServerResponse, root: string, options: HttpFileServerOptions): Promise<void> {
  if (options.authorization !== undefined && req.headers.authorization !== options.authorization) {
    res.writeHead(401).end();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://x');
  const redirect = /^\/r\/(\d+)(\/.*)$/.exec(url.pathname);
  if (redirect) {
    const n = Number(redirect[1]);
    res.writeHead(302, { location: n > 1 ? `/r/${n - 1}${redirect[2]}` : redirect[2] }).end();
    return;
  }
  const path = normalize(join(root, decodeURIComponent(url.pathname)));
  if (!path.startsWith(root + sep)) {
    res.writeHead(403).end();
    return;
  }
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) {
    res.writeHead(404).end();
    return;
  }
  const headers: Record<string, string | number> = {
    'accept-ranges': options.ignoreRange ? 'none' : 'bytes',
    etag: `"${st.mtimeMs.toString(16)}-${st.size.toString(16)}"`,
    'last-modified': st.mtime.toUTCString(),
    'content-type': 'application/octet-stream',
  };
  const range = options.ignoreRange ? undefined : parseRange(req.headers.range, st.size);
  if (range === 'invalid') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${st.size}` }).end();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? st.size - 1;
  headers['content-length'] = end - start + 1;
  if (range) headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || st.size === 0) {
    res.end();
    return;
  }
  const body = createReadStream(path, { start, end, highWaterMark: 1 << 20 });
  const cut = options.cutAfterBytes;
  if (cut === undefined) {
    body.pipe(res);
    return;
  }
  let sent = 0;
  body.on('data', (chunk: string | Buffer) => {
    const piece = (typeof chunk === 'string' ? Buffer.from(chunk) : chunk).subarray(0, cut - sent);
    sent += piece.length;
    res.write(piece);
    if (sent >= cut) {
      body.destroy();
      // Let the bytes leave, then kill the connection the way a crashing server would.
      setTimeout(() => res.socket?.destroy(), 20);
    }
  });
  body.on('end', () => res.end());
}

/** Starts a Node HTTP server on 127.0.0.1 (free port) serving `root` with HEAD, Range, ETag and redirects. */
export async function startHttpFileServer(options: HttpFileServerOptions = {}): Promise<HttpFileServer> {
  const ownRoot = options.root === undefined;
  const root = normalize(options.root ?? (await mkdtemp(join(tmpdir(), 'http-files-'))));
  const requests: HttpFileServer['requests'] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range });
    serve(req, res, root, options).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    root,
    port,
    options,
    requests,
    async stop(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownRoot) await rm(root, { recursive: true, force: true });
    },
  };
}
