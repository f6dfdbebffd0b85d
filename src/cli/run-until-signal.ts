import type { Logger } from '../core/logger.js';

/** Keep running until SIGINT/SIGTERM, then close everything in reverse order of start. */
export function runUntilSignal(log: Logger, closers: Array<() => Promise<void>>): void {
  let closing = false;
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    for (const close of [...closers].reverse()) {
      try {
        await close();
      } catch (err) {
        log.error({ err }, 'error while shutting down');
      }
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
