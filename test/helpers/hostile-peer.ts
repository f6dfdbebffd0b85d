import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import Wire from 'bittorrent-protocol';
import { httpAnnounce, peerId as makePeerId } from './tracker-wire.js';

/** A peer that claims every piece and answers every request with random bytes (or sits on some). */
export interface HostilePeer {
  port: number;
  peerId: string;
  /** Block requests it answered with garbage. */
  garbageSent(): number;
  /** Block requests it got and sat on (`answers: { trueBytes }`). */
  requestsHeld(): number;
  /** Connections that were cut by the other side. */
  connections(): number;
  stop(): Promise<void>;
}

/**
 * Start a hostile peer (bittorrent-protocol on a TCP server) and announce it as a
 * seeder to `announce` (an announce URL with a valid passkey), so leechers dial it.
 * `answers`: random bytes to every request (the default), or the true bytes of the image
 * until the other side lacks only `sitWhenMissing` pieces, and from then on nothing: it sits
 * on every request (a peer that was fast and healthy to the very end).
 */
export async function startHostilePeer(options: { infohash: string; pieces: number; announce: string; answers?: 'garbage' | { trueBytes: Buffer; pieceLength: number; sitWhenMissing: number } }): Promise<HostilePeer> {
  const id = makePeerId('-EV0001-');
  let garbage = 0;
  let held = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const wire = new Wire();
    socket.pipe(wire).pipe(socket);
    wire.on('error', () => socket.destroy());
    wire.on('handshake', (infoHash: string) => {
      wire.handshake(infoHash, id.toString('hex'));
      const bits = Buffer.alloc(Math.ceil(options.pieces / 8), 0xff);
      const spare = bits.length * 8 - options.pieces;
      if (spare) bits[bits.length - 1] = (0xff << spare) & 0xff;
      wire.bitfield(bits);
      wire.unchoke();
    });
    wire.on('interested', () => wire.unchoke());
    // Pieces the other side has or will have: those it announced, and those this peer sent whole.
    // Counting sent pieces (not only haves) makes it sit before the last requests were all answered.
    const had = new Set<number>();
    const sent = new Map<number, number>();
    wire.on('have', (index: number) => had.add(index));
    wire.on('request', (index: number, offset: number, length: number, respond: (err: Error | null, data?: Buffer) => void) => {
      const answers = options.answers;
      if (answers && answers !== 'garbage') {
        if (options.pieces - had.size <= answers.sitWhenMissing) return void held++;
        const at = index * answers.pieceLength + offset;
        const pieceBytes = Math.min(answers.pieceLength, answers.trueBytes.length - index * answers.pieceLength);
        const bytes = (sent.get(index) ?? 0) + length;
        sent.set(index, bytes);
        if (bytes >= pieceBytes) had.add(index);
        return respond(null, answers.trueBytes.subarray(at, at + length));
      }
      garbage++;
      respond(null, randomBytes(length));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const answer = await httpAnnounce(options.announce, { infohash: options.infohash, peerId: id, port, left: 0, event: 'started' });
  if (answer.failure) throw new Error(`hostile peer refused by the tracker: ${answer.failure}`);
  return {
    port,
    peerId: id.toString('hex'),
    garbageSent: () => garbage,
    requestsHeld: () => held,
    connections: () => connections,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
