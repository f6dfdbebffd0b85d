import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Logger } from '../../core/logger.js';
import type { TrackerEngine } from '../engine.js';
import { REASONS, TrackerRejection } from '../errors.js';
import { parseRawQuery } from '../http/announce-query.js';
import type { TrackerMetrics } from '../metrics.js';
import { clampNumwant, type NumwantLimits } from '../numwant.js';
import type { AnnounceParams } from '../swarm/swarm.js';
import type { ConnectionIds } from './connection-ids.js';
import { parseUdpRequest, UdpParseError, type UdpAnnounceFields } from './udp-request.js';
import { announceReplyUdp, connectReply, errorReplyUdp } from './udp-reply.js';

/** Everything the UDP front end needs from the tracker. */
export interface UdpDeps {
  engine: TrackerEngine;
  ids: ConnectionIds;
  limits: NumwantLimits;
  metrics: TrackerMetrics;
  logger: Logger;
  now: () => number;
}

/** Most peers in one UDP answer, so it stays one unfragmented datagram on common paths. */
const UDP_MAX_PEERS = 200;

/**
 * The UDP tracker protocol (BEP 15) with what bittorrent-tracker's UDP server
 * lacks: connection ids checked per source, the passkey read from BEP 41 URL
 * data, the client's IP field ignored, and IPv6 peers answered in IPv6 form.
 */
export class UdpFrontEnd {
  private readonly sockets: Socket[] = [];
  private readonly limits: NumwantLimits;

  constructor(private readonly deps: UdpDeps) {
    this.limits = { defaultNumwant: Math.min(deps.limits.defaultNumwant, UDP_MAX_PEERS), maxNumwant: Math.min(deps.limits.maxNumwant, UDP_MAX_PEERS) };
  }

  /** Bind one socket; resolves with the port actually bound. */
  bind(host: string, port: number, family: 4 | 6): Promise<number> {
    const socket = createSocket({ type: family === 4 ? 'udp4' : 'udp6', ipv6Only: family === 6 });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.deps.logger.warn({ err: err.message }, 'tracker: UDP socket error'));
        socket.on('message', (msg, rinfo) => this.onMessage(socket, family, msg, rinfo));
        this.sockets.push(socket);
        resolve(socket.address().port);
      });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.sockets.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private onMessage(socket: Socket, family: 4 | 6, msg: Buffer, rinfo: RemoteInfo): void {
    let request;
    try {
      request = parseUdpRequest(msg);
    } catch (err) {
      if (!(err instanceof UdpParseError)) throw err;
      return; // not ours to answer: anything could be sent to this port
    }
    const send = (reply: Buffer) => socket.send(reply, rinfo.port, rinfo.address);
    const { ids, metrics } = this.deps;
    if (request.action === 'connect') {
      send(connectReply(request.transactionId, ids.issue(rinfo.address, rinfo.port)));
      return;
    }
    if (!ids.check(request.connectionId, rinfo.address, rinfo.port)) {
      metrics.rejected('udp', request.action, 'connection_id');
      send(errorReplyUdp(request.transactionId, REASONS.connectionId));
      return;
    }
    if (request.action === 'scrape') {
      metrics.rejected('udp', 'scrape', 'udp_scrape');
      send(errorReplyUdp(request.transactionId, REASONS.udpScrape));
      return;
    }
    const params = this.toParams(request.announce, family, rinfo);
    this.deps.engine.announce(params).then(
      (result) => {
        metrics.announced('udp', params.event);
        send(announceReplyUdp(request.transactionId, result, family));
      },
      (err: Error) => {
        if (!(err instanceof TrackerRejection)) this.deps.logger.error({ err }, 'tracker: UDP announce failed');
        metrics.rejected('udp', 'announce', err instanceof TrackerRejection ? err.code : 'malformed');
        send(errorReplyUdp(request.transactionId, err instanceof TrackerRejection ? err.message : 'internal tracker error'));
      },
    );
  }

  private toParams(a: UdpAnnounceFields, family: 4 | 6, rinfo: RemoteInfo): AnnounceParams {
    const ip = rinfo.address;
    const port = a.port || rinfo.port;
    const passkey = a.urlData === undefined ? undefined : parseRawQuery(a.urlData).passkey;
    return {
      action: 1,
      info_hash: a.infohash,
      peer_id: a.peerId,
      event: a.event,
      ip,
      port,
      family,
      addr: family === 4 ? `${ip}:${port}` : `[${ip}]:${port}`,
      left: a.left,
      uploaded: a.uploaded,
      downloaded: a.downloaded,
      numwant: clampNumwant(a.numwant, this.limits),
      transport: 'udp',
      ...(typeof passkey === 'string' ? { passkey } : {}),
      now: this.deps.now(),
    };
  }
}
