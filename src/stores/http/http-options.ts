import { Type, type Static } from '@sinclair/typebox';

/** Connection settings shared by the adapters that speak HTTP through undici (http, swift). */
export const httpClientProperties = {
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'Milliseconds to connect and to get response headers (default 30000): a dead server fails, never hangs.' })),
  bodyTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'Milliseconds a body may stall between two reads (default 60000).' })),
  maxRedirects: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, description: 'Most redirects followed per request (default 5).' })),
  connections: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024, description: 'Connections kept per origin (default 16).' })),
};

/** Options of an `http` store, validated by the factory. */
export const HttpStoreOptionsSchema = Type.Object(
  {
    baseUrl: Type.Optional(
      Type.String({
        pattern: '^https?://[^/@]+(/.*)?$',
        description: 'Base URL keys are relative to. Without it, keys are absolute http(s) URLs (web-download from anywhere). Must not carry credentials.',
      }),
    ),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Sent with every request (e.g. Authorization); dropped on a redirect to another origin.' })),
    ...httpClientProperties,
  },
  { additionalProperties: false },
);

/** Options of an `http` store. */
export type HttpStoreOptions = Static<typeof HttpStoreOptionsSchema>;
