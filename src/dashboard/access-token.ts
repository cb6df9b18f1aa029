/**
 * The dashboard's access token, required when it listens beyond loopback. The operator gives it once in
 * the link (`/?token=...`); the server answers with an HttpOnly cookie and sends the browser on to the
 * same address without the token, so it stays out of the address bar, history and screenshots. API
 * clients may send `Authorization: Bearer <token>` instead. Compared in constant time, never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

export const COOKIE = 'seamline_token';
const digest = (s: string) => createHash('sha256').update(s).digest();

function cookieToken(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: any server and logger type; only the route API is used
export function requireToken(app: FastifyInstance<any, any, any, any>, token: string): void {
  const expected = digest(token);
  const ok = (given: string | undefined) => given !== undefined && timingSafeEqual(digest(given), expected);
  app.addHook('onRequest', async (req, reply) => {
    if (req.url === '/healthz') return;
    const url = new URL(req.url, 'http://dashboard');
    const query = url.searchParams.get('token') ?? undefined;
    if (query !== undefined && ok(query) && req.method === 'GET') {
      url.searchParams.delete('token');
      reply.header('set-cookie', `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
      return reply.redirect(`${url.pathname}${url.search}`, 303);
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (ok(cookieToken(req.headers.cookie)) || ok(bearer)) return;
    return reply.code(401).send({ error: 'unauthorized', message: 'this dashboard needs its access token: open /?token=<token> once' });
  });
}
