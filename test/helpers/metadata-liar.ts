import { createServer, type Server, type Socket } from 'node:net';
import bencode from 'bencode';
import Wire from 'bittorrent-protocol';
import { httpAnnounce, peerId as makePeerId } from './tracker-wire.js';

/** A peer that answers metadata requests for one infohash with another torrent's info dict. */
export interface MetadataLiar {
  port: number;
  /** ut_metadata piece requests it answered with the wrong metadata. */
  requests(): number;
  stop(): Promise<void>;
}

type ExtendedWire = Wire & { use(ext: unknown): void; extendedHandshake: Record<string, unknown>; extended(ext: string, buf: Uint8Array): void };

/** A BEP 9 (ut_metadata) extension that serves `info` whatever infohash the wire is for. */
function lyingMetadata(info: Buffer, onRequest: () => void): unknown {
  class LyingMetadata {
    constructor(private readonly wire: ExtendedWire) {
      wire.extendedHandshake.metadata_size = info.length;
    }
    onMessage(buf: Uint8Array): void {
      const text = Buffer.from(buf).toString('latin1');
      const dict = bencode.decode(Buffer.from(text.slice(0, text.indexOf('ee') + 2), 'latin1'));
      if (dict.msg_type !== 0) return;
      onRequest();
      const piece = dict.piece as number;
      const data = info.subarray(piece * 16384, (piece + 1) * 16384);
      this.wire.extended('ut_metadata', Buffer.concat([Buffer.from(bencode.encode({ msg_type: 1, piece, total_size: info.length })), data]));
    }
  }
  (LyingMetadata.prototype as unknown as { name: string }).name = 'ut_metadata';
  return LyingMetadata;
}

/**
 * Start a peer (bittorrent-protocol on a TCP server) that claims to be in `infohash`'s
 * swarm and, asked for the metadata, sends `wrongTorrent`'s info dict, whose SHA-1 is
 * another infohash. It announces itself to `announce` as a seeder.
 */
export async function startMetadataLiar(options: { infohash: string; wrongTorrent: Buffer; announce: string }): Promise<MetadataLiar> {
  const id = makePeerId('-ML0001-');
  const wrongInfo = Buffer.from(bencode.encode(bencode.decode(options.wrongTorrent).info));
  let requests = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const wire = new Wire() as ExtendedWire;
    wire.use(lyingMetadata(wrongInfo, () => requests++));
    socket.pipe(wire).pipe(socket);
    wire.on('error', () => socket.destroy());
    wire.on('handshake', (infoHash: string) => wire.handshake(infoHash, id.toString('hex')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const answer = await httpAnnounce(options.announce, { infohash: options.infohash, peerId: id, port, left: 0, event: 'started' });
  if (answer.failure) throw new Error(`metadata liar refused by the tracker: ${answer.failure}`);
  return {
    port,
    requests: () => requests,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
