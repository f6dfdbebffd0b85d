import { Type, type Static } from '@sinclair/typebox';
import { PortSchema } from '../core/config-types.js';
import { validateConfig } from '../core/config.js';
import { RegistryListSchema } from '../core/registry-directory.js';

/** The agent's configuration: where it keeps images, which registries it knows, how it falls back. */
export const AgentConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    /** The local API of the daemon. */
    port: PortSchema(7000),
    data_dir: Type.String({ default: './data' }),
    /** Where images are kept by SHA-256; defaults to `<data_dir>/agent`. */
    cache_dir: Type.Optional(Type.String()),
    /** Cap on the bytes of images kept (least recently used go first); 0 = no cap. */
    cache_max_bytes: Type.Integer({ minimum: 0, default: 0 }),
    registries: RegistryListSchema,
    /** TCP port for BitTorrent peers (0: any free one). */
    bt_port: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
    max_conns: Type.Integer({ minimum: 1, default: 55 }),
    /** Add Teller as a web seed when no piece came from peers after this long… */
    fallback_after_s: Type.Number({ minimum: 0, default: 5 }),
    /** …or when the swarm moves less than this many bytes/s for `slow_for_s` seconds. */
    slow_rate: Type.Integer({ minimum: 0, default: 1024 * 1024 }),
    slow_for_s: Type.Number({ minimum: 1, default: 10 }),
    /**
     * Seconds a swarm fetch may go without a newly verified piece, from peers or the web seed,
     * before it leaves the swarm and downloads over plain HTTP from Teller (which then
     * finishes the job or fails with Teller's own error).
     */
    swarm_stall_s: Type.Number({ minimum: 1, default: 60 }),
    /** Seconds an HTTP fetch may go without a byte before it fails. */
    http_stall_s: Type.Number({ minimum: 1, default: 60 }),
  },
  { additionalProperties: false },
);

export type AgentConfig = Static<typeof AgentConfigSchema>;

/** Validate the agent's config and fill in its defaults. */
export function resolveAgentConfig(input: unknown): AgentConfig {
  return validateConfig(AgentConfigSchema, input, 'agent config');
}
