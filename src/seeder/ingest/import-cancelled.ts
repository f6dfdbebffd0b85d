import { GlanceError } from '../../core/errors.js';

/** An upload or import stopped because its image was deleted (or left saving/importing) meanwhile. */
export class ImportCancelledError extends GlanceError {
  constructor(message: string) {
    super('conflict', message, { reason: 'cancelled' });
  }
}
