import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** What the proxy does instead of forwarding: answer with a status (and body), or reset the connection. */
export type Fault = { status: number; body?: string; contentType?: string } | 'reset';

/** An HTTP proxy in front of a real server that fails chosen requests: 5xx, 4xx or a reset. */
export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Requests received (forwarded or failed), as `METHOD /path?query`. */
  requests: string[];
  /** Faults for the next requests, in order, used up one per request. */
  queue: Fault[];
  /** Decides per request (after the queue is empty): a fault, or undefined to forward. */
  rule: ((req: IncomingMessage) => Fault | undefined) | undefined;
  stop(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (free port) that forwards to `target` (http://host:port) unless told to fail. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const to = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = { url: '', requests: [], queue: [], rule: undefined, stop: async () => undefined };
  const server = createServer((req, res) => {
    proxy.requests.push(`${req.method} ${req.url}`);
    const fault = proxy.queue.shift() ?? proxy.rule?.(req);
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault) {
      req.resume();
      res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'text/plain', connection: 'close' });
      res.end(req.method === 'HEAD' ? undefined : (fault.body ?? ''));
      return;
    }
    // forwarded as it came (Host included, so signatures still match)
    const upstream = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  proxy.stop = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}

/** An S3 error document, as S3 servers send them. */
export function s3Error(status: number, code: string): Fault {
  return { status, contentType: 'application/xml', body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the test</Message><RequestId>test</RequestId></Error>` };
}
