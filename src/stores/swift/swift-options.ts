import { Type, type Static } from '@sinclair/typebox';
import { httpClientProperties } from '../http/http-options.js';

/** tempauth / swauth (v1): user `account:user` and key, answered with a token and the storage URL. */
export const TempAuthSchema = Type.Object(
  {
    type: Type.Literal('tempauth'),
    url: Type.String({ pattern: '^https?://', description: 'e.g. https://swift.example.org/auth/v1.0' }),
    user: Type.String({ minLength: 1 }),
    key: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

/** Keystone v3 password auth, scoped to a project; the storage URL comes from the catalog. */
export const KeystoneSchema = Type.Object(
  {
    type: Type.Literal('keystone'),
    url: Type.String({ pattern: '^https?://', description: 'Identity endpoint, e.g. https://keystone.example.org/v3' }),
    username: Type.String({ minLength: 1 }),
    password: Type.String({ minLength: 1 }),
    userDomainName: Type.Optional(Type.String()),
    userDomainId: Type.Optional(Type.String()),
    projectName: Type.Optional(Type.String()),
    projectId: Type.Optional(Type.String()),
    projectDomainName: Type.Optional(Type.String()),
    projectDomainId: Type.Optional(Type.String()),
    region: Type.Optional(Type.String({ description: 'Catalog region filter.' })),
    interface: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('internal'), Type.Literal('admin')], { description: 'Catalog interface (default public).' })),
  },
  { additionalProperties: false },
);

/** Options of a `swift` store, validated by the factory. */
export const SwiftStoreOptionsSchema = Type.Object(
  {
    auth: Type.Union([TempAuthSchema, KeystoneSchema]),
    container: Type.String({ minLength: 1, maxLength: 256, pattern: '^[^/]+$' }),
    storageUrl: Type.Optional(Type.String({ pattern: '^https?://', description: 'Use this storage URL instead of the one auth returns.' })),
    readOnly: Type.Optional(Type.Boolean()),
    ...httpClientProperties,
  },
  { additionalProperties: false },
);

/** tempauth settings. */
export type TempAuthOptions = Static<typeof TempAuthSchema>;
/** Keystone v3 settings. */
export type KeystoneOptions = Static<typeof KeystoneSchema>;
/** How a Swift store authenticates. */
export type SwiftAuthOptions = TempAuthOptions | KeystoneOptions;
/** Options of a `swift` store. */
export type SwiftStoreOptions = Static<typeof SwiftStoreOptionsSchema>;
