import type { Service } from '../../core/http/service.js';
import { imageSchemaDocument, imagesSchemaDocument, memberSchemaDocument, membersSchemaDocument } from '../images/image-schema.js';

/** GET /v2/schemas/{image,images,member,members}: the JSON schemas glanceclient builds its CLI from. */
export async function schemaRoutes(app: Service): Promise<void> {
  const documents: Record<string, Record<string, unknown>> = {
    image: imageSchemaDocument(),
    images: imagesSchemaDocument(),
    member: memberSchemaDocument(),
    members: membersSchemaDocument(),
  };
  for (const [name, doc] of Object.entries(documents)) {
    const body = JSON.stringify(doc);
    app.get(`/v2/schemas/${name}`, { config: { open: true }, schema: { tags: ['schemas'], summary: `JSON schema of ${name}` } }, async (_request, reply) => {
      void reply.type('application/json; charset=utf-8');
      return body;
    });
  }
}
