import { GlanceError, type ErrorKind } from '../core/errors.js';

/** Reasons Teller records, by what they mean for a script: bytes that fail a check, a source that could not be reached, a cancel. */
const KINDS: Array<[RegExp, ErrorKind]> = [
  [/does not match|hash(es)? to|SHA-256|failed verification/i, 'integrity'],
  [/^cancelled/i, 'conflict'],
  [/limit|not enough disk|no room/i, 'too_large'],
  [/no peers|no metadata|no valid metadata|no progress|could not (reach|fetch)|ECONN|ETIMEDOUT|tracker|answered HTTP|failed:|unreachable/i, 'unavailable'],
];

/** An import that ended with the image killed; its kind (hence the exit code) follows from Teller's reason. */
export class ImportFailedError extends GlanceError {
  constructor(imageId: string, reason: string | null) {
    const text = reason ?? 'no reason recorded';
    super(KINDS.find(([pattern]) => pattern.test(text))?.[1] ?? 'internal', `Import into image ${imageId} failed: ${text}`, { image_id: imageId });
  }
}
