import { Transform } from 'node:stream';
import { BUILTIN_STORE_TYPES, DelegatingStore, StoreFactory, defineStoreType, type ObjectReadStream, type ObjectStore, type ReadOptions } from '../../src/stores/index.js';

/**
 * Switches for a lying store: while `corrupt` is set, reads of keys ending in `suffix` flip the
 * byte at `offset` of the object; while `holdAfter` is set, every read stops after that many
 * bytes, its next block waiting in `held` until the test calls them (a slow store).
 */
export interface LieControls {
  corrupt: { suffix: string; offset: number } | undefined;
  /** Reads (GET) seen, so tests can count store reads. */
  reads: number;
  holdAfter?: number | undefined;
  held?: Array<() => void>;
}

/** A real store that can be made to lie (same size, same etag on HEAD, but a flipped byte on read) or to stall. */
class LyingStore extends DelegatingStore {
  constructor(
    inner: ObjectStore,
    private readonly controls: LieControls,
  ) {
    super(inner);
  }

  override async read(key: string, options?: ReadOptions): Promise<ObjectReadStream> {
    this.controls.reads++;
    const stream = await this.inner.read(key, options);
    const controls = this.controls;
    const lie = controls.corrupt;
    if ((lie === undefined || !key.endsWith(lie.suffix)) && controls.holdAfter === undefined) return stream;
    let pos = options?.offset ?? 0;
    let sent = 0;
    const flip = new Transform({
      transform(data: Buffer, _enc, done) {
        if (lie && key.endsWith(lie.suffix) && lie.offset >= pos && lie.offset < pos + data.length) {
          data = Buffer.from(data);
          data[lie.offset - pos] ^= 0xff;
        }
        pos += data.length;
        const go = () => {
          sent += data.length;
          done(null, data);
        };
        if (controls.holdAfter !== undefined && sent + data.length > controls.holdAfter) (controls.held ??= []).push(go);
        else go();
      },
    });
    stream.on('error', (err) => flip.destroy(err));
    return Object.assign(stream.pipe(flip), { bytesRead: 0 }) as unknown as ObjectReadStream;
  }
}

/** A factory with `lying-file` and `lying-s3` types (options as for file / s3) sharing `controls`. */
export function lyingFactory(controls: LieControls): StoreFactory {
  const factory = new StoreFactory();
  for (const base of BUILTIN_STORE_TYPES.filter((t) => t.type === 'file' || t.type === 's3')) {
    factory.register(defineStoreType({ type: `lying-${base.type}`, schema: base.schema, create: (id, o) => new LyingStore(base.create(id, o), controls) }));
  }
  return factory;
}
