/**
 * The dashboard's evidence API (docs/evidence.md): the list, an image byte for byte, and its thumbnail.
 * Registered inside startDashboard, so the access token's hook guards these routes like every other.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { SeamError } from '../../contract/index.ts';
import { UUIDV7_PATTERN } from '../../contract/identifiers.ts';
import type { EvidenceStore } from '../../store/evidence/evidence-store.ts';
import { itemOf, listEvidence } from './evidence-list.ts';
import { missingImages } from './evidence-missing.ts';
import { parseEvidenceQuery } from './evidence-query.ts';
import { ThumbnailCache } from './thumbnail-cache.ts';

const EVENT_ID = new RegExp(UUIDV7_PATTERN);

function eventIdOf(raw: string): string {
  if (!EVENT_ID.test(raw))
    throw new SeamError('SEAM_ERR_BAD_QUERY', `event_id must be a lowercase UUIDv7, got "${raw}"`, { field: 'event_id' });
  return raw;
}

function notFound(reply: FastifyReply, message: string) {
  return reply.code(404).send({ error: 'not_found', message });
}

// biome-ignore lint/suspicious/noExplicitAny: any server and logger type; only the route API is used
export function registerEvidence(app: FastifyInstance<any, any, any, any>, store: EvidenceStore | undefined, now: () => number): void {
  const thumbs = new ThumbnailCache();
  app.get('/api/evidence', async (req) => {
    const query = parseEvidenceQuery(req.query, now());
    if (!store) return { enabled: false, items: [] };
    const [listing, missing] = await Promise.all([listEvidence(store, query), missingImages(store, query.cameras)]);
    return { enabled: true, window: { fromMs: query.fromMs, toMs: query.toMs }, limit: query.limit, ...listing, missing };
  });

  const image = async (rawId: string, reply: FastifyReply, thumb: boolean) => {
    if (!store) return notFound(reply, 'this dashboard has no evidence store');
    const eventId = eventIdOf(rawId);
    const found = await store.get(eventId);
    if (!found) return notFound(reply, `no image stored for event ${eventId}`);
    const etag = `"${found.header.image.sha256}${thumb ? '-thumb' : ''}"`;
    // An image never changes under its event_id: the browser may keep it for good.
    reply.header('etag', etag).header('cache-control', 'public, max-age=31536000, immutable').type('image/jpeg');
    return thumb ? thumbs.thumbnail(eventId, found.image) : found.image;
  };
  // One image's item as the list gives it (header, boxes, urls): what the page's viewer opens from a link.
  const header = async (rawId: string, reply: FastifyReply) => {
    if (!store) return notFound(reply, 'this dashboard has no evidence store');
    const eventId = eventIdOf(rawId);
    const found = await store.get(eventId);
    if (!found) return notFound(reply, `no image stored for event ${eventId}`);
    return itemOf({ header: found.header, receivedAt: found.receivedAt });
  };
  app.get<{ Params: { name: string } }>('/api/evidence/:name', async (req, reply) => {
    const { name } = req.params;
    if (name.endsWith('.json')) return header(name.slice(0, -5), reply);
    if (!name.endsWith('.jpg')) return notFound(reply, 'evidence images are at /api/evidence/<event_id>.jpg (header: .json)');
    return image(name.slice(0, -4), reply, false);
  });
  app.get<{ Params: { id: string } }>('/api/evidence/:id/thumb.jpg', async (req, reply) => image(req.params.id, reply, true));
}
