import type { Service } from '../../core/http/service.js';
import type { TrackerEngine } from '../engine.js';
import { TrackerRejection } from '../errors.js';
import type { TrackerMetrics } from '../metrics.js';
import type { NumwantLimits } from '../numwant.js';
import { scrapeFiles } from '../scrape.js';
import type { SwarmList } from '../swarm-list.js';
import { parseHttpAnnounce, parseHttpScrape, parseRawQuery } from './announce-query.js';
import { announceReply, failureReply, scrapeReply } from './bencode-replies.js';

/** What the HTTP announce and scrape routes need from the tracker. */
export interface TrackerRouteDeps {
  engine: TrackerEngine;
  list: SwarmList;
  metrics: TrackerMetrics;
  limits: NumwantLimits;
  minIntervalSeconds: number;
  now: () => number;
}

const BENCODE = 'text/plain; charset=binary';

/**
 * `/announce` and `/scrape` (BEP 3, BEP 48). Refusals are answered the
 * BitTorrent way, 200 with a bencoded `failure reason`, because that is what
 * clients show to their users; only faults of the tracker itself become 500s.
 */
export async function trackerRoutes(app: Service, deps: TrackerRouteDeps): Promise<void> {
  const { engine, list, metrics } = deps;
  // Announces are the hot path: no per-request log lines, parse the raw URL once.
  app.get('/announce', { logLevel: 'warn', schema: { hide: true } }, async (request, reply) => {
    void reply.type(BENCODE);
    try {
      const params = parseHttpAnnounce(parseRawQuery(request.url), request.socket.remoteAddress, deps.limits, deps.now());
      const result = await engine.announce(params);
      metrics.announced('http', params.event);
      return announceReply(result, !params.dictionaryPeers);
    } catch (err) {
      if (!(err instanceof TrackerRejection)) throw err;
      metrics.rejected('http', 'announce', err.code);
      return failureReply(err.message);
    }
  });

  app.get('/scrape', { logLevel: 'warn', schema: { hide: true } }, async (request, reply) => {
    void reply.type(BENCODE);
    try {
      const { infohashes, passkey } = parseHttpScrape(parseRawQuery(request.url));
      const files = scrapeFiles(list, engine, infohashes, passkey, deps.now());
      metrics.scraped('http');
      return scrapeReply(files, deps.minIntervalSeconds);
    } catch (err) {
      if (!(err instanceof TrackerRejection)) throw err;
      metrics.rejected('http', 'scrape', err.code);
      return failureReply(err.message);
    }
  });
}
