import { connect, type Socket } from 'node:net';
import { Pacer } from './pacer.js';

/** What one HTTP load run measured. */
export interface HttpLoadResult {
  ok: number;
  /** Answers that carried a `failure reason`, or a status other than 200. */
  failures: number;
  /** Connections that failed or were cut mid-answer. */
  errors: number;
  seconds: number;
  /** Connections opened (1 per connection with keep-alive; 1 per request against a server that closes after each answer). */
  connects: number;
  latenciesMs: number[];
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * A closed-loop HTTP/1.1 announce generator on raw sockets: `connections`
 * clients, each sending the next path as soon as the previous answer is in,
 * keeping the connection alive while the server does and reconnecting when it
 * closes (opentracker closes after every answer; that connect is then part of
 * the measured latency, as it is for a real client).
 */
export async function httpLoad(options: { host: string; port: number; paths: string[]; connections: number; seconds: number; rate?: number; newConnectionEach?: boolean }): Promise<HttpLoadResult> {
  const pacer = new Pacer(options.rate);
  const keepAlive = !options.newConnectionEach && (await serverKeepsAlive(options.host, options.port, options.paths[0]!));
  const result: HttpLoadResult = { ok: 0, failures: 0, errors: 0, seconds: 0, connects: 0, latenciesMs: [] };
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(options.seconds * 1e9);
  let next = 0;
  const request = () => Buffer.from(`GET ${options.paths[next++ % options.paths.length]} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\n${keepAlive ? '' : 'Connection: close\r\n'}\r\n`);

  const client = () =>
    new Promise<void>((resolve) => {
      let socket: Socket | undefined;
      let pending: Buffer = Buffer.alloc(0);
      let sentAt = 0n;
      let waiting = false;
      const open = () => {
        result.connects++;
        pending = Buffer.alloc(0);
        socket = connect({ host: options.host, port: options.port, noDelay: true });
        socket.on('data', onData);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          if (waiting) {
            result.errors++;
            waiting = false;
          }
          socket = undefined;
          if (process.hrtime.bigint() < deadline) send();
          else resolve();
        });
      };
      const send = () => pacer.schedule(sendNow);
      const sendNow = () => {
        if (process.hrtime.bigint() >= deadline) {
          socket?.destroy();
          return resolve();
        }
        sentAt = process.hrtime.bigint();
        waiting = true;
        if (!socket) open();
        socket!.write(request());
      };
      const onData = (chunk: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        const end = pending.indexOf(HEADER_END);
        if (end < 0) return;
        const head = pending.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN);
        if (!Number.isFinite(length) || pending.length < end + 4 + length) return;
        const body = pending.subarray(end + 4, end + 4 + length);
        pending = pending.subarray(end + 4 + length);
        waiting = false;
        result.latenciesMs.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
        if (head.startsWith('HTTP/1.1 200') && !body.includes('failure reason')) result.ok++;
        else result.failures++;
        if (keepAlive) return send();
        // The server closes after each answer: close first, and `close` sends the next request on a new connection.
        socket?.destroy();
      };
      send();
    });

  await Promise.all(Array.from({ length: options.connections }, client));
  result.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return result;
}

/** True when the server keeps a connection open after answering (opentracker closes it). */
async function serverKeepsAlive(host: string, port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    let timer: NodeJS.Timeout | undefined;
    socket.on('error', () => resolve(false));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.indexOf(HEADER_END) >= 0 && !timer) {
        timer = setTimeout(() => {
          socket.removeAllListeners('close');
          socket.destroy();
          resolve(true);
        }, 200);
      }
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`);
  });
}
