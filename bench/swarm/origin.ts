import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, NODE_ARGS } from '../lib/up.js';
import { runCommand, start, type Started } from './processes.js';
import type { Testbed } from './testbed.js';

/** Teller's own egress counters, in bytes. */
export interface OriginEgress {
  /** Piece bytes sent to BitTorrent peers. */
  bittorrent: number;
  /** Image bytes sent over HTTP (any source: plain GETs, web seeds). */
  http: number;
}

/**
 * `glance-p2p up` (registry + Teller + tracker) at the testbed's origin. Agents reach
 * it on the origin's address; the harness talks to it with curl run inside the
 * origin's place, over that place's unshaped loopback.
 */
export class Origin {
  private constructor(
    readonly process: Started,
    private readonly testbed: Testbed,
    /** Front door as the hosts reach it. */
    readonly url: string,
    /** Front door from inside the origin's place. */
    private readonly localUrl: string,
    readonly token: string,
  ) {}

  /** Start `up` with fixed ports where the place has its own port space, else ephemeral ones. */
  static async start(testbed: Testbed, dir: string, seederConfig: Record<string, unknown> = {}): Promise<Origin> {
    const config = join(dir, 'origin.yaml');
    writeFileSync(config, JSON.stringify({ seeder: seederConfig, tracker: { announce_interval: 30 } }));
    const host = testbed.address('origin');
    const fixed = testbed.ownPorts;
    const args = [process.execPath, ...NODE_ARGS, BIN, 'up', '--data-dir', join(dir, 'origin'), '--config', config, '--log-level', 'warn'];
    args.push('--registry-port', fixed ? '9191' : '0', '--seeder-port', fixed ? '9292' : '0', '--tracker-port', fixed ? '6969' : '0');
    if (fixed) args.push('--host', '0.0.0.0', '--public-url', `http://${host}:9292`);
    const proc = start(testbed.wrap('origin', args), join(dir, 'origin.log'));
    try {
      const m = await proc.waitFor(/front door \(Teller\):\s+http:\/\/[^\s:]+:(\d+)[\s\S]*admin token:\s+(\S+)/);
      const token = readFileSync(join(dir, 'origin', 'secrets', 'admin-token'), 'utf8').trim() || m[2]!;
      return new Origin(proc, testbed, `http://${host}:${m[1]}`, `http://127.0.0.1:${m[1]}`, token);
    } catch (err) {
      await proc.stop(3000);
      throw err;
    }
  }

  private curl(args: string[], timeoutMs?: number): Promise<string> {
    return runCommand(this.testbed.wrap('origin', ['curl', '-sSf', '-H', `X-Auth-Token: ${this.token}`, ...args]), timeoutMs);
  }

  /** Create an image and upload `file` into it; resolves once Teller seeds it. */
  async upload(file: string, name: string): Promise<string> {
    const created = JSON.parse(await this.curl(['-XPOST', '-H', 'Content-Type: application/json', '-d', JSON.stringify({ name, disk_format: 'raw', container_format: 'bare' }), `${this.localUrl}/v2/images`])) as { id: string };
    await this.curl(['-T', file, '-H', 'Content-Type: application/octet-stream', `${this.localUrl}/v2/images/${created.id}/file`]);
    for (const deadline = Date.now() + 60_000; ; ) {
      if (/^glance_p2p_teller_seeding_torrents(?:\{[^}]*\})? [1-9]/m.test(await this.curl([`${this.localUrl}/metrics`]))) break;
      if (Date.now() > deadline) throw new Error('Teller did not start seeding the image within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    // its first announce goes out right after the torrent is added
    await new Promise((r) => setTimeout(r, 1000));
    return created.id;
  }

  /** The image's .torrent, its announce URL carrying the admin's passkey, saved to `file`. */
  async torrent(id: string, file: string): Promise<Buffer> {
    await this.curl(['-o', file, `${this.localUrl}/v2/images/${id}/torrent`]);
    return readFileSync(file);
  }

  /** Teller's egress counters now. */
  async egress(): Promise<OriginEgress> {
    const text = await this.curl([`${this.localUrl}/metrics`]);
    const sum = (name: string) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
    return { bittorrent: sum('glance_p2p_teller_seeded_bytes_total'), http: sum('glance_p2p_teller_served_bytes_total') };
  }

  async stop(): Promise<void> {
    await this.process.stop(5000);
  }
}
