import { pino } from 'pino';
import { loggerOptions, type Logger } from '../../src/core/logger.js';

/** A logger for tests: silent unless TEST_LOG_LEVEL is set. */
export function testLogger(): Logger {
  return pino(loggerOptions(process.env.TEST_LOG_LEVEL ?? 'silent'));
}
