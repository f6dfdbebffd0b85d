import { Type } from '@sinclair/typebox';
import type { Service } from '../../core/http/service.js';
import { tokenOf, type AdminGate } from '../admin-gate.js';
import type { TrackerEngine } from '../engine.js';
import type { SwarmList } from '../swarm-list.js';
import { trackerStats } from '../stats.js';

/** `/stats`: swarms, peers and byte counts as JSON, for admins only (bittorrent-tracker's is open to all). */
export async function statsRoute(app: Service, deps: { gate: AdminGate; engine: TrackerEngine; list: SwarmList; now: () => number }): Promise<void> {
  app.get(
    '/stats',
    { schema: { querystring: Type.Object({ infohash: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{40}$' })) }) } },
    async (request) => {
      await deps.gate.require(tokenOf(request.headers));
      return trackerStats(deps.list, deps.engine, deps.now(), request.query.infohash?.toLowerCase());
    },
  );
}
