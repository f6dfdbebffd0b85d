/** The private BitTorrent tracker: what `glance-p2p tracker` runs and `glance-p2p up` embeds. */
export { createTracker, type Tracker, type TrackerAddress, type TrackerOptions } from './tracker.js';
export { resolveTrackerConfig, TrackerConfigSchema, type TrackerConfig } from './config.js';
export { REASONS as TRACKER_FAILURE_REASONS, TrackerRejection, type RejectionCode } from './errors.js';
export type { TrackerStats, SwarmStats, PeerStats } from './stats.js';
