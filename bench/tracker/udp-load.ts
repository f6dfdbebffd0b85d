import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { Pacer } from './pacer.js';

/** What one UDP load run is told to do. */
export interface UdpLoadOptions {
  host: string;
  port: number;
  /** The announce datagram for request `i`, connection id and transaction id left blank (they are patched in). */
  packet(i: number): Buffer;
  /** Stop after this many requests (a warm-up pass) ... */
  count?: number;
  /** ... or after this long. */
  durationMs?: number;
  /** Sockets (distinct source ports, each with its own connection id). */
  sockets: number;
  /** Requests in flight per socket. */
  window: number;
  /** A request without an answer after this long is counted as lost and replaced. */
  timeoutMs?: number;
  /** Announces per second to send at (open loop); unset: as fast as answers come back. */
  rate?: number;
}

/** What a run measured. */
export interface UdpLoadResult {
  ok: number;
  errors: number;
  timeouts: number;
  firstError: string | undefined;
  seconds: number;
  latenciesMs: number[];
}

const PROTOCOL_ID = 0x41727101980n;

function connect(socket: Socket, host: string, port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const packet = Buffer.alloc(16);
    packet.writeBigUInt64BE(PROTOCOL_ID, 0);
    const tid = randomBytes(4).readUInt32BE(0);
    packet.writeUInt32BE(tid, 12);
    const timer = setTimeout(() => reject(new Error(`no UDP connect answer from ${host}:${port}`)), 2000);
    const onMessage = (msg: Buffer) => {
      if (msg.length < 16 || msg.readUInt32BE(0) !== 0 || msg.readUInt32BE(4) !== tid) return;
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(Buffer.from(msg.subarray(8, 16)));
    };
    socket.on('message', onMessage);
    socket.send(packet, port, host);
  });
}

/**
 * A closed-loop UDP announce generator (BEP 15): every socket connects once,
 * then keeps `window` announces in flight, sending the next as each answer (or
 * timeout) comes back. Latency is measured per transaction with hrtime.
 */
export async function udpLoad(options: UdpLoadOptions): Promise<UdpLoadResult> {
  const result: UdpLoadResult = { ok: 0, errors: 0, timeouts: 0, firstError: undefined, seconds: 0, latenciesMs: [] };
  const timeoutMs = options.timeoutMs ?? 2000;
  const sockets = await Promise.all(
    Array.from({ length: options.sockets }, async () => {
      const socket = createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
      return { socket, id: await connect(socket, options.host, options.port), inFlight: new Map<number, bigint>(), nextTid: 1 };
    }),
  );
  let next = 0;
  let stopped = false;
  const started = process.hrtime.bigint();
  const deadline = options.durationMs === undefined ? undefined : started + BigInt(options.durationMs) * 1_000_000n;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const outstanding = () => sockets.reduce((n, s) => n + s.inFlight.size, 0);
  const maybeFinish = () => {
    if (stopped && outstanding() === 0) finish();
  };
  const pacer = new Pacer(options.rate);
  const send = (s: (typeof sockets)[number]) => pacer.schedule(() => sendNow(s));
  const sendNow = (s: (typeof sockets)[number]) => {
    if (stopped) return maybeFinish();
    if ((options.count !== undefined && next >= options.count) || (deadline !== undefined && process.hrtime.bigint() >= deadline)) {
      stopped = true;
      return maybeFinish();
    }
    const packet = options.packet(next++);
    s.id.copy(packet, 0);
    const tid = s.nextTid++ >>> 0;
    packet.writeUInt32BE(tid, 12);
    s.inFlight.set(tid, process.hrtime.bigint());
    s.socket.send(packet, options.port, options.host);
  };
  for (const s of sockets) {
    s.socket.on('message', (msg: Buffer) => {
      if (msg.length < 8) return;
      const tid = msg.readUInt32BE(4);
      const sent = s.inFlight.get(tid);
      if (sent === undefined) return;
      s.inFlight.delete(tid);
      result.latenciesMs.push(Number(process.hrtime.bigint() - sent) / 1e6);
      const action = msg.readUInt32BE(0);
      if (action === 1) result.ok++;
      else {
        result.errors++;
        result.firstError ??= msg.subarray(8).toString();
      }
      send(s);
    });
  }
  const reaper = setInterval(() => {
    const limit = process.hrtime.bigint() - BigInt(timeoutMs) * 1_000_000n;
    for (const s of sockets) {
      for (const [tid, sent] of s.inFlight) {
        if (sent > limit) continue;
        s.inFlight.delete(tid);
        result.timeouts++;
        send(s);
      }
    }
    if (deadline !== undefined && process.hrtime.bigint() >= deadline) stopped = true;
    maybeFinish();
  }, 100);
  for (const s of sockets) for (let i = 0; i < options.window; i++) send(s);
  await finished;
  clearInterval(reaper);
  result.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const s of sockets) s.socket.close();
  return result;
}
