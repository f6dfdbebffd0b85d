import { JsonClient } from '../core/http-client.js';
import type { Logger } from '../core/logger.js';
import type { AllowedSwarm } from './swarm-list.js';

/** The registry's answer to `GET /internal/v1/swarms`. */
export interface SwarmListPage {
  revision: number;
  swarms: AllowedSwarm[];
}

/** Options for following the registry's swarm list. */
export interface FollowerOptions {
  registryUrl: string;
  serviceToken: string;
  /** Seconds to long-poll before the registry answers anyway (a full refresh). */
  waitSeconds: number;
  logger: Logger;
  /** Called with every list fetched, changed or not. */
  onList(page: SwarmListPage): void;
  onError?(err: Error): void;
}

const MIN_BACKOFF_MS = 250;

/**
 * Keeps the tracker's swarm list in step with the registry: a long poll on
 * the registry's change revision, so a new or deactivated image reaches the
 * tracker at once, and a full answer at least every `waitSeconds` besides.
 */
export class SwarmListFollower {
  private readonly client: JsonClient;
  private readonly stop = new AbortController();
  private revision: number | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: FollowerOptions) {
    this.client = new JsonClient(options.registryUrl, options.serviceToken);
  }

  /** Fetch once (no long poll); throws when the registry cannot be reached or refuses. */
  async fetchOnce(): Promise<SwarmListPage> {
    return this.fetch(undefined);
  }

  /** Run the long-poll loop in the background until `close()`. */
  follow(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.loop;
  }

  private async fetch(since: number | undefined): Promise<SwarmListPage> {
    const wait = this.options.waitSeconds;
    const query = since === undefined ? '' : `?since=${since}&wait=${wait}`;
    const page = await this.client.json<SwarmListPage>('GET', `/internal/v1/swarms${query}`, { timeoutMs: (wait + 15) * 1000, signal: this.stop.signal });
    if (!page || typeof page.revision !== 'number' || !Array.isArray(page.swarms)) throw new Error('the registry answered /internal/v1/swarms with an unexpected body');
    this.revision = page.revision;
    this.options.onList(page);
    return page;
  }

  private async run(): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    while (!this.stop.signal.aborted) {
      try {
        await this.fetch(this.revision);
        backoff = MIN_BACKOFF_MS;
      } catch (err) {
        if (this.stop.signal.aborted) return;
        this.options.onError?.(err as Error);
        this.options.logger.warn({ err: (err as Error).message, retryMs: backoff }, 'tracker: cannot refresh the swarm list from the registry; keeping the last one');
        await sleep(backoff, this.stop.signal);
        backoff = Math.min(backoff * 2, this.options.waitSeconds * 1000);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
