import { Type, type Static } from '@sinclair/typebox';

/** Options of a `file` store, validated by the factory. */
export const FileStoreOptionsSchema = Type.Object(
  {
    root: Type.String({ minLength: 1, description: 'Folder holding the objects; created on first write.' }),
    readOnly: Type.Optional(Type.Boolean({ description: 'Refuse write and delete.' })),
    fsync: Type.Optional(Type.Boolean({ description: 'fsync each object before the rename that publishes it (default true).' })),
  },
  { additionalProperties: false },
);

/** Options of a `file` store. */
export type FileStoreOptions = Static<typeof FileStoreOptionsSchema>;
