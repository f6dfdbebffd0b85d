import { Type } from '@sinclair/typebox';
import { ForbiddenError, NotFoundError } from '../../core/errors.js';
import type { Service } from '../../core/http/service.js';
import { isService } from '../../core/principal.js';
import type { ImageService } from '../images/image-service.js';
import { withAnnounce } from './torrent-file.js';
import type { TrackerDirectory } from './tracker-directory.js';

/** GET /v2/images/{id}/torrent: the private torrent, its announce URLs carrying the caller's passkey. */
export async function torrentRoutes(app: Service, opts: { images: ImageService; trackers: TrackerDirectory }): Promise<void> {
  const { images, trackers } = opts;
  app.get(
    '/v2/images/:id/torrent',
    { schema: { tags: ['p2p'], summary: "The image's .torrent with the caller's passkey in its announce URLs", params: Type.Object({ id: Type.String({ maxLength: 64 }) }) } },
    async (request, reply) => {
      const p = request.principal;
      const image = images.get(p, request.params.id);
      if (image.status === 'deactivated' && !isService(p)) throw new ForbiddenError('The image is deactivated');
      const torrent = images.repo.torrent(image.id);
      if (!torrent || image.status !== 'active' && image.status !== 'deactivated') throw new NotFoundError(`Image ${image.id} has no torrent yet (status ${image.status})`);
      const body = withAnnounce(torrent, trackers.announceFor(image.id, trackers.passkeyFor(p)));
      const filename = `${(image.name ?? image.id).replace(/[^A-Za-z0-9._-]+/g, '_')}.torrent`;
      void reply.type('application/x-bittorrent').header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'private, no-store');
      return body;
    },
  );
}
