import { Type } from '@sinclair/typebox';
import type { Service } from '../../core/http/service.js';
import type { RegistryConfig } from '../config.js';

/**
 * GET /p2p/v1/endpoints: where this installation's parts are, so a client that only
 * knows an image URI can find the Teller that serves the bytes and the trackers.
 */
export async function endpointRoutes(app: Service, opts: { config: RegistryConfig; publicUrl: () => string; seederUrl: () => string | undefined }): Promise<void> {
  app.get(
    '/p2p/v1/endpoints',
    {
      config: { open: true },
      schema: {
        tags: ['p2p'],
        summary: 'Public URLs of the registry, the seeder (Teller front door) and the trackers',
        response: { 200: Type.Object({ registry: Type.String(), seeder: Type.Union([Type.String(), Type.Null()]), trackers: Type.Array(Type.Array(Type.String())) }) },
      },
    },
    async () => ({
      registry: opts.publicUrl(),
      seeder: opts.seederUrl() ?? null,
      // announce templates without passkeys: clients get their passkey with the torrent
      trackers: opts.config.trackers.map((t) => t.announce.map((a) => a.replace(/[?&]passkey=\{passkey\}/, ''))),
    }),
  );
}
