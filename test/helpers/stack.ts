import type { StoreFactory } from '../../src/stores/index.js';
import { startTestTeller, type TestTeller } from './teller.js';
import { startTrackerStack, type TrackerStack } from './tracker-stack.js';

/** What `glance-p2p up` runs, in this process: tracker, registry and a seeding Teller, wired together. */
export interface FullStack {
  stack: TrackerStack;
  teller: TestTeller;
  close(): Promise<void>;
}

/** Start tracker + registry, then Teller (seeding on) as the front door. */
export async function startFullStack(options: { teller?: Record<string, unknown>; tracker?: Record<string, unknown>; registry?: Record<string, unknown>; storeFactory?: StoreFactory } = {}): Promise<FullStack> {
  const stack = await startTrackerStack({ tracker: { announce_interval: 5, ...options.tracker }, ...(options.registry ? { registry: options.registry } : {}) });
  const teller = await startTestTeller({ seeding: { enabled: true }, ...options.teller }, stack.registry, options.storeFactory);
  stack.registry.registry.setFrontDoor(teller.url);
  return {
    stack,
    teller,
    async close() {
      await teller.close();
      await stack.close();
    },
  };
}
