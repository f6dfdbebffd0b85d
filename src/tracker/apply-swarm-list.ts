import type { TrackerEngine } from './engine.js';
import { mayJoin, type SwarmList } from './swarm-list.js';
import type { SwarmListPage } from './swarm-list-follower.js';

/**
 * Put a fresh list from the registry in place and make the swarms obey it at
 * once: swarms of images no longer active are forgotten, and peers whose
 * principal lost access (visibility, owner or members changed) are dropped
 * rather than left to linger until they expire.
 */
export function applySwarmList(list: SwarmList, engine: TrackerEngine, page: SwarmListPage, now: number): { removed: string[]; changed: string[] } {
  const change = list.replace(page.revision, page.swarms, now);
  for (const infohash of change.removed) engine.drop(infohash);
  for (const infohash of change.changed) {
    const allowed = list.get(infohash)!;
    engine.swarm(infohash)?.dropWhere((p) => !mayJoin(allowed, { userId: p.userId, projectId: p.projectId, admin: p.admin }));
  }
  return change;
}
