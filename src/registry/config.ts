import { Type, type Static } from '@sinclair/typebox';
import { PortSchema, TlsConfigSchema } from '../core/config-types.js';
import { validateConfig } from '../core/config.js';

/** One tracker (or group of equivalent announce URLs); images are spread over trackers by hashing. */
const TrackerSchema = Type.Object(
  {
    /** Announce URL templates; `{passkey}` is replaced with the caller's passkey. */
    announce: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  },
  { additionalProperties: false },
);

/** Parallax's configuration, with defaults for the embedded single-host setup. */
export const RegistryConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: PortSchema(9191),
    /** Base of image URIs; derived from host and port when empty. */
    public_url: Type.Optional(Type.String({ pattern: '^https?://' })),
    data_dir: Type.String({ default: './data' }),
    /** SQLite file; defaults to `<data_dir>/registry.sqlite`. */
    database: Type.Optional(Type.String()),
    /** Bootstrap admin token (never stored in the database). */
    admin_token: Type.Optional(Type.String({ minLength: 16 })),
    /** Bootstrap service token for Teller and the tracker. */
    service_token: Type.Optional(Type.String({ minLength: 16 })),
    allow_anonymous: Type.Boolean({ default: true }),
    body_limit: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
    tls: Type.Optional(TlsConfigSchema),
    /** Public URL of the Teller front door that serves this registry's image data (advertised at /p2p/v1/endpoints). */
    seeder_url: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** Secret shared with the tracker, for passkeys. */
    tracker_secret: Type.Optional(Type.String({ minLength: 16 })),
    trackers: Type.Array(TrackerSchema, { default: [] }),
  },
  { additionalProperties: false },
);

export type RegistryConfig = Static<typeof RegistryConfigSchema>;

/** Validate a registry config object and fill in its defaults. */
export function resolveRegistryConfig(input: unknown): RegistryConfig {
  return validateConfig(RegistryConfigSchema, input, 'registry config');
}
