import { Transform } from 'node:stream';
import { BUILTIN_STORE_TYPES, DelegatingStore, StoreFactory, defineStoreType, type ObjectReadStream, type ObjectStore, type ReadOptions } from '../../src/stores/index.js';

/** Switches for a lying store: while `corrupt` is set, reads of keys ending in `suffix` flip the byte at `offset` of the object. */
export interface LieControls {
  corrupt: { suffix: string; offset: number } | undefined;
  /** Reads (GET) seen, so tests can count store reads. */
  reads: number;
}

/** A real store that can be made to lie: same size, same etag on HEAD, but a flipped byte on read. */
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
    const lie = this.controls.corrupt;
    if (lie === undefined || !key.endsWith(lie.suffix)) return stream;
    const at = lie.offset;
    let pos = options?.offset ?? 0;
    const flip = new Transform({
      transform(data: Buffer, _enc, done) {
        if (at >= pos && at < pos + data.length) {
          data = Buffer.from(data);
          data[at - pos] ^= 0xff;
        }
        pos += data.length;
        done(null, data);
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
