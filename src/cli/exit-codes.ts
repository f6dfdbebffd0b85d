import { GlanceError } from '../core/errors.js';

/** Exit codes: scripts tell failures apart by them. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  AUTH: 4,
  VERIFICATION: 5,
  NETWORK: 6,
  CONFLICT: 7,
} as const;

/** The exit code for an error. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof GlanceError) {
    switch (err.kind) {
      case 'not_found':
        return EXIT.NOT_FOUND;
      case 'unauthorized':
      case 'forbidden':
        return EXIT.AUTH;
      case 'unavailable':
      case 'bad_gateway':
        return EXIT.NETWORK;
      case 'conflict':
        return EXIT.CONFLICT;
      case 'integrity':
        return EXIT.VERIFICATION;
      case 'invalid':
        return EXIT.USAGE;
      default:
        return EXIT.FAILURE;
    }
  }
  return EXIT.FAILURE;
}
