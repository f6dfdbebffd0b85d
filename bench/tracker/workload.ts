import { createPasskey } from '../../src/core/passkey.js';
import { escapeBytes, udpAnnouncePacket } from '../../test/helpers/tracker-wire.js';

/** One swarm of the benchmark: an active image in the registry. */
export interface BenchSwarm {
  infohash: string;
  visibility: 'public' | 'private';
  /** Owning project of a private image. */
  project: string;
}

/** The simulated hosts: who announces what, ready-made as HTTP paths and UDP datagrams. */
export interface Workload {
  peers: number;
  /** (host, swarm) pairs; each is one peer entry on the tracker. */
  pairs: number;
  /** HTTP announce path (with query) for every pair, passkey included. */
  httpPaths: string[];
  /** UDP announce datagram for pair `i` with BEP 41 URL data carrying the passkey; `event` 2 = started, 0 = update. */
  udpPacket(i: number, event: 0 | 2): Buffer;
}

/**
 * `peers` hosts in `projects` projects, each in `perPeer` swarms: public ones, and
 * private ones of its own project, so every announce passes the passkey and
 * access checks. One host in four is a seeder. Ports tell hosts apart (all are 127.0.0.1).
 */
export function buildWorkload(swarms: BenchSwarm[], options: { peers: number; perPeer: number; projects: number; secret: string }): Workload {
  const pub = swarms.filter((s) => s.visibility === 'public');
  const byProject = new Map<string, BenchSwarm[]>();
  for (const s of swarms) if (s.visibility === 'private') byProject.set(s.project, [...(byProject.get(s.project) ?? []), s]);
  const httpPaths: string[] = [];
  const packets: Buffer[] = [];
  for (let host = 0; host < options.peers; host++) {
    const project = `proj-${host % options.projects}`;
    const passkey = createPasskey(options.secret, { userId: `host-${host}`, projectId: project, admin: false });
    const own = byProject.get(project) ?? [];
    const port = 10_000 + host;
    const peerId = Buffer.from(`-BN0001-${String(host).padStart(12, '0')}`);
    const left = host % 4 === 0 ? 0 : 1_000_000;
    for (let k = 0; k < options.perPeer; k++) {
      // Alternate public and own private swarms, spread by host number.
      const pool = k % 2 === 1 && own.length > 0 ? own : pub;
      const swarm = pool[(host * 7 + k * 131) % pool.length]!;
      httpPaths.push(
        `/announce?passkey=${encodeURIComponent(passkey)}&info_hash=${escapeBytes(Buffer.from(swarm.infohash, 'hex'))}&peer_id=${escapeBytes(peerId)}&port=${port}&uploaded=0&downloaded=0&left=${left}&compact=1&numwant=50`,
      );
      packets.push(udpAnnouncePacket(Buffer.alloc(8), { infohash: swarm.infohash, peerId, port, left, numwant: 50, event: 'update', urlData: `/announce?passkey=${passkey}` }, 0));
    }
  }
  return {
    peers: options.peers,
    pairs: packets.length,
    httpPaths,
    udpPacket(i, event) {
      const packet = packets[i % packets.length]!;
      packet.writeUInt32BE(event, 80);
      return packet;
    },
  };
}
