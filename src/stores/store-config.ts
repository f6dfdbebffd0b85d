import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { StoreConfigError } from './errors.js';

/** One configured store: `{id, type, options}` plus the wrappers' settings. */
export const StoreConfigSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$', description: 'Names the store in image locations; never changes once used.' }),
    type: Type.String({ minLength: 1, description: 'Adapter type: file, http, s3, swift, or one registered by a plugin.' }),
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "The adapter's options, validated by its own schema." })),
    maxConcurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096, description: 'Calls in flight on this store (default 32).' })),
    retry: Type.Optional(
      Type.Object(
        {
          attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
          baseDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
          maxDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A configured store, as config files give it. */
export type StoreConfig = Static<typeof StoreConfigSchema>;

/**
 * Checks `value` against `schema` and returns it with defaults applied. Problems name
 * the path and the rule, never the value: options hold secrets. Throws StoreConfigError.
 */
export function validateWith<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  const copy = Value.Default(schema, Value.Clone(value ?? {}));
  if (Value.Check(schema, copy)) return copy as Static<S>;
  const problems = [...Value.Errors(schema, copy)].slice(0, 10).map((e) => `${e.path || '/'}: ${e.message}`);
  throw new StoreConfigError(`invalid ${what}`, problems);
}

/** Validates one store's config (not yet its adapter options: the factory does that). */
export function parseStoreConfig(value: unknown): StoreConfig {
  return validateWith(StoreConfigSchema, value, 'store config');
}
