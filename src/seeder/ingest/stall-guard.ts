import { Transform } from 'node:stream';
import { UnavailableError } from '../../core/errors.js';

/** Passes bytes through and errors when none arrive for `ms` (an import that stopped making progress). */
export function stallGuard(ms: number, what: string): Transform {
  let timer: NodeJS.Timeout | undefined;
  const guard: Transform = new Transform({
    transform(data, _enc, done) {
      arm();
      done(null, data);
    },
    flush(done) {
      clearTimeout(timer);
      done();
    },
    destroy(err, done) {
      clearTimeout(timer);
      done(err);
    },
  });
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => guard.destroy(new UnavailableError(`${what}: no progress for ${Math.round(ms / 1000)} s`)), ms);
    timer.unref();
  };
  arm();
  return guard;
}
