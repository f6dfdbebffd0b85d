import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { NotFoundError } from '../../core/errors.js';
import type { Service } from '../../core/http/service.js';
import type { Agent } from '../agent.js';
import { fetchSummary } from '../fetcher.js';
import { unpackImage } from '../unpack/unpack.js';
import type { AgentMetrics } from './agent-metrics.js';

const FetchBody = Type.Object(
  {
    image_uri: Type.String({ minLength: 1, maxLength: 2000 }),
    /** Token for the image's registry (else the agent's config entry). */
    token: Type.Optional(Type.String()),
    /** Also unpack by container_format; the answer then names the folder. */
    unpack: Type.Optional(Type.Boolean()),
    no_p2p: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const FetchAnswer = Type.Object({
  path: Type.String(),
  image_path: Type.String(),
  image_id: Type.String(),
  sha256: Type.String(),
  size: Type.Integer(),
  source: Type.String(),
  swarm_bytes: Type.Integer(),
  http_bytes: Type.Integer(),
  unpacked: Type.Optional(Type.Boolean()),
});

/**
 * The daemon's local API for the host's node agent: POST /v1/fetch answers with a
 * path once the image is on disk and verified (and unpacked when asked); GET
 * /v1/images lists what is held (and seeded); DELETE /v1/images/{sha256} lets go.
 */
export async function agentRoutes(app: Service, opts: { agent: Agent; metrics: AgentMetrics }): Promise<void> {
  const { agent, metrics } = opts;
  const unpacking = new Map<string, Promise<string>>();
  app.post('/v1/fetch', { schema: { summary: 'Fetch an image; answers when it is ready', body: FetchBody, response: { 200: FetchAnswer } } }, async (request) => {
    const body = request.body;
    const started = process.hrtime.bigint();
    const result = await agent.fetcher.fetch(body.image_uri, { ...(body.token ? { token: body.token } : {}), noP2p: body.no_p2p ?? false }).catch((err: unknown) => {
      metrics.fetches.inc({ source: 'none', outcome: 'failed' });
      throw err;
    });
    metrics.fetches.inc({ source: result.source, outcome: 'ok' });
    metrics.fetchSeconds.observe({ source: result.source }, Number(process.hrtime.bigint() - started) / 1e9);
    await agent.enforceCap(new Set([result.sha256]));
    let path = result.path;
    let unpacked = false;
    if (body.unpack) {
      const dir = join(agent.cache.dir, 'unpacked', result.sha256);
      let pending = unpacking.get(result.sha256);
      if (!pending) {
        pending = unpackImage(result.path, result.image.container_format, dir).then((u) => (u.kind === 'none' ? result.path : dir));
        unpacking.set(result.sha256, pending);
        pending.catch(() => unpacking.delete(result.sha256));
      }
      path = await pending;
      unpacked = path !== result.path;
    }
    return {
      path,
      image_path: result.path,
      ...fetchSummary(result),
      ...(body.unpack ? { unpacked } : {}),
    };
  });

  app.get('/v1/images', { schema: { summary: 'Images held (and seeded)' } }, async () => {
    const seeding = new Set(agent.seeding());
    return { images: (await agent.cache.held()).map((h) => ({ sha256: h.sha256, size: h.size, image_uri: h.image_uri, seeding: h.infohash !== null && seeding.has(h.infohash) })) };
  });

  app.delete('/v1/images/:sha256', { schema: { summary: 'Stop seeding an image and delete it', params: Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) }) } }, async (request, reply) => {
    if (!(await agent.drop(request.params.sha256))) throw new NotFoundError(`No image ${request.params.sha256} is held`);
    return reply.code(204).send();
  });
}
