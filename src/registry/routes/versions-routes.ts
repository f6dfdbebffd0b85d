import type { Service } from '../../core/http/service.js';

/** API versions we answer for; glanceclient picks the newest CURRENT one. */
const VERSIONS = ['2.16', '2.15', '2.9', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'];

function versions(base: string) {
  return {
    versions: VERSIONS.map((v, i) => ({
      id: `v${v}`,
      status: i === 0 ? 'CURRENT' : 'SUPPORTED',
      links: [{ rel: 'self', href: `${base}/v2/` }],
    })),
  };
}

/** GET /versions (200) and GET / (300 Multiple Choices), as Glance answers them. */
export async function versionRoutes(app: Service): Promise<void> {
  // Behind Teller's front door the links must name the front door.
  const base = (headers: Record<string, string | string[] | undefined>, proto: string) => {
    const host = headers['x-forwarded-host'] ?? headers.host ?? 'localhost';
    const scheme = headers['x-forwarded-proto'] ?? proto;
    return `${String(scheme)}://${String(host)}`;
  };
  app.get('/versions', { config: { open: true }, schema: { tags: ['versions'], summary: 'List API versions' } }, async (request) =>
    versions(base(request.headers, request.protocol)),
  );
  app.get('/', { config: { open: true }, schema: { hide: true } }, async (request, reply) => {
    void reply.code(300);
    return versions(base(request.headers, request.protocol));
  });
}
