import { connect, type Socket } from 'node:net';
import { peerId } from './tracker-wire.js';

/** A raw connection that speaks just enough BitTorrent to attack: bytes in and out are counted. */
export class RawPeer {
  readonly id = peerId('-EV0002-');
  readonly socket: Socket;
  received = 0;
  sent = 0;
  private inbox = Buffer.alloc(0);
  readonly closed: Promise<void>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.on('data', (d: Buffer) => {
      this.received += d.length;
      if (this.inbox.length < 1024 * 1024) this.inbox = Buffer.concat([this.inbox, d]);
    });
  }

  write(data: Buffer): boolean {
    this.sent += data.length;
    return this.socket.write(data);
  }

  handshake(infohash: string): void {
    this.write(Buffer.concat([Buffer.from([19]), Buffer.from('BitTorrent protocol'), Buffer.alloc(8), Buffer.from(infohash, 'hex'), this.id]));
  }

  /** The 4-byte length of a message of almost 2 GiB, its body to follow (or not). */
  announceHugeMessage(): void {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(0x7ffffff0);
    this.write(length);
  }

  static message(id: number, ...ints: number[]): Buffer {
    const b = Buffer.alloc(5 + 4 * ints.length);
    b.writeUInt32BE(1 + 4 * ints.length);
    b[4] = id;
    ints.forEach((v, i) => b.writeUInt32BE(v, 5 + 4 * i));
    return b;
  }

  /** Waits until the other side has answered the handshake: only then does Teller listen to what this peer says. */
  async handshaken(): Promise<void> {
    await until(() => this.inbox.length >= 68, 'no handshake back');
  }

  /** Resolves once the other side sent an unchoke (after its 68-byte handshake). */
  async unchoked(): Promise<void> {
    await until(() => {
      for (let at = 68; at + 5 <= this.inbox.length; at += 4 + this.inbox.readUInt32BE(at)) if (this.inbox.readUInt32BE(at) > 0 && this.inbox[at + 4] === 1) return true;
      return false;
    }, 'never unchoked');
  }

  /** Handshake, say interested once Teller listens, and wait to be unchoked. */
  async join(infohash: string): Promise<void> {
    this.handshake(infohash);
    await this.handshaken();
    this.write(RawPeer.message(2));
    await this.unchoked();
  }
}

export async function until(ok: () => boolean, what: string, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 10))) if (Date.now() > end) throw new Error(what);
}

/** Resolves true if `p` settles within `ms`. */
export const within = (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
