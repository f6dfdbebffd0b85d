import { Type, type Static } from '@sinclair/typebox';

const MiB = 1024 * 1024;

/** Options of an `s3` store, validated by the factory. Credentials stay here, never in keys or URLs. */
export const S3StoreOptionsSchema = Type.Object(
  {
    bucket: Type.String({ minLength: 3, maxLength: 63, description: 'The bucket holding the objects.' }),
    region: Type.Optional(Type.String({ minLength: 1, description: 'Default us-east-1.' })),
    endpoint: Type.Optional(Type.String({ pattern: '^https?://', description: 'Custom endpoint (MinIO, Ceph, Swift s3api); path-style is then the default.' })),
    forcePathStyle: Type.Optional(Type.Boolean()),
    accessKeyId: Type.Optional(Type.String({ minLength: 1, description: 'Without keys, the SDK default chain (environment, instance profile) is used.' })),
    secretAccessKey: Type.Optional(Type.String({ minLength: 1 })),
    sessionToken: Type.Optional(Type.String()),
    readOnly: Type.Optional(Type.Boolean()),
    multipartThreshold: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 * 1024 * MiB, description: 'Known sizes up to this go in one PutObject (default 64 MiB).' })),
    partSize: Type.Optional(Type.Integer({ minimum: 5 * MiB, maximum: 5 * 1024 * MiB, description: 'Multipart part size (default 16 MiB).' })),
    queueSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'Parts in flight per writer (default 4); memory ≈ partSize × (queueSize + 1).' })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'Milliseconds to connect and to get a response (default 30000).' })),
  },
  { additionalProperties: false },
);

/** Options of an `s3` store. */
export type S3StoreOptions = Static<typeof S3StoreOptionsSchema>;
