import { createConnection, createServer, type Socket } from 'node:net';

/** A TCP proxy that can kill its connections after some bytes: a store server dying mid-response. */
export interface CutProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** From now on, cut each connection once it has sent this many more bytes to the client (undefined: never). */
  cutAfter(bytes: number | undefined): void;
  stop(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (free port) in front of `target`. */
export async function startCutProxy(target: { host: string; port: number }): Promise<CutProxy> {
  let limit: number | undefined;
  const counters = new Map<Socket, number>();
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(target);
    sockets.add(client).add(upstream);
    counters.set(client, 0);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      counters.delete(client);
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      const sent = (counters.get(client) ?? 0) + chunk.length;
      counters.set(client, sent);
      if (limit !== undefined && sent >= limit) {
        client.write(chunk.subarray(0, chunk.length - (sent - limit)), () => close());
        upstream.pause();
        return;
      }
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    cutAfter(bytes) {
      limit = bytes;
      for (const socket of counters.keys()) counters.set(socket, 0);
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
