import { EventEmitter } from 'node:events';
import type { Logger } from '../core/logger.js';
import type { RegistryGateway, SwarmInfo } from './registry-gateway.js';

/**
 * Follows the registry's set of active images by long-polling its change revision.
 * Emits 'added' (SwarmInfo) for images that became active and 'removed' (SwarmInfo)
 * for those that stopped being active (deactivated or deleted), and 'changed' after
 * every refresh. The seeder seeds from it; purges and garbage collection react to it.
 */
export class RegistryWatch extends EventEmitter {
  readonly active = new Map<string, SwarmInfo>();
  private revision: number | undefined;
  private controller = new AbortController();
  private running = false;
  /** Resolves after the first successful refresh. */
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(
    private readonly gateway: RegistryGateway,
    private readonly log: Logger,
    private readonly waitSeconds = 25,
    private readonly retryMs = 2000,
  ) {
    super();
    this.setMaxListeners(0);
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.running = false;
    this.controller.abort();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const { revision, swarms } = await this.gateway.swarms(this.revision, this.revision === undefined ? 0 : this.waitSeconds, this.controller.signal);
        if (revision !== this.revision) this.apply(swarms);
        this.revision = revision;
        this.markReady();
      } catch (err) {
        if (!this.running) return;
        this.log.warn({ err }, 'cannot follow the registry; retrying');
        await new Promise((r) => setTimeout(r, this.retryMs).unref());
      }
    }
  }

  private apply(swarms: SwarmInfo[]): void {
    const seen = new Set<string>();
    for (const swarm of swarms) {
      seen.add(swarm.image_id);
      if (!this.active.has(swarm.image_id)) {
        this.active.set(swarm.image_id, swarm);
        this.emit('added', swarm);
      } else this.active.set(swarm.image_id, swarm);
    }
    for (const [id, swarm] of this.active) {
      if (!seen.has(id)) {
        this.active.delete(id);
        this.emit('removed', swarm);
      }
    }
    this.emit('changed');
  }
}
