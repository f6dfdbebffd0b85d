import { randomBytes } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { ImportSwarmSchema, type ImportSwarmConfig } from '../../src/seeder/import-swarm/config.js';
import { ImportSwarm } from '../../src/seeder/import-swarm/import-swarm.js';
import { testLogger } from '../helpers/logger.js';
import { RawPeer, until, within } from '../helpers/raw-peer.js';
import { tempDir } from '../helpers/temp-dir.js';

const MiB = 1024 * 1024;
// Its own file: vitest runs each in a fresh process, so no seeding client has installed the
// process-wide wire limits before the import swarm starts.
describe('hostile connections against Teller\'s import swarm (the client that joins public swarms)', () => {
  it('cuts a 2 GiB message and drops connections past its cap, with no seeding client in the process to install the limits first', async () => {
    const dir = tempDir('glance-p2p-import-hostile-');
    const config = Value.Default(ImportSwarmSchema, { max_conns: 4 }) as ImportSwarmConfig;
    const swarm = new ImportSwarm(config, dir.path, testLogger());
    try {
      const infohash = randomBytes(20).toString('hex');
      const joined = await swarm.join(`magnet:?xt=urn:btih:${infohash}`, infohash);
      const port = (joined.torrent as unknown as { client: { address(): { port: number } } }).client.address().port;
      const peer = new RawPeer(port);
      peer.handshake(infohash);
      await peer.handshaken();
      peer.announceHugeMessage();
      for (let i = 0; i < 64 && !peer.socket.destroyed; i++) if (!peer.write(Buffer.alloc(MiB, 7))) await within(new Promise((r) => peer.socket.once('drain', r)), 1000);
      expect(await within(peer.closed, 10_000)).toBe(true);
      const crowd = Array.from({ length: 100 }, () => new RawPeer(port));
      try {
        await until(() => crowd.filter((p) => p.socket.destroyed).length >= 60, 'connections past the cap were kept', 10_000);
      } finally {
        for (const p of crowd) p.socket.destroy();
      }
    } finally {
      await swarm.close();
      dir.remove();
    }
  });
});
