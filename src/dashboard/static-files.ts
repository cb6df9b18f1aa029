/**
 * The page's files. Read once at start: they are a few kilobytes, and serving from memory keeps a
 * dashboard on a busy consumer host from touching the disk on every poll. No @fastify/static: five
 * fixed files do not need a directory server (and a fixed list cannot be walked out of).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

interface Asset {
  route: string;
  file: string;
  type: string;
}

const publicDir = (name: string) => fileURLToPath(new URL(`./public/${name}`, import.meta.url));
const require = createRequire(import.meta.url);

function assets(): Asset[] {
  return [
    { route: '/', file: publicDir('index.html'), type: 'text/html; charset=utf-8' },
    { route: '/app.js', file: publicDir('app.js'), type: 'text/javascript; charset=utf-8' },
    { route: '/alerts.js', file: publicDir('alerts.js'), type: 'text/javascript; charset=utf-8' },
    { route: '/charts.js', file: publicDir('charts.js'), type: 'text/javascript; charset=utf-8' },
    { route: '/style.css', file: publicDir('style.css'), type: 'text/css; charset=utf-8' },
    { route: '/alerts.css', file: publicDir('alerts.css'), type: 'text/css; charset=utf-8' },
    {
      route: '/vendor/uPlot.iife.min.js',
      file: require.resolve('uplot/dist/uPlot.iife.min.js'),
      type: 'text/javascript; charset=utf-8',
    },
    { route: '/vendor/uPlot.min.css', file: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
  ];
}

/**
 * Camera names arrive from the network. The page only ever sets them with textContent; this policy is
 * the second fence: no inline or foreign script can run even if a future edit slips. uPlot sets inline
 * styles, hence 'unsafe-inline' for styles only.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export async function registerStaticFiles(app: FastifyInstance): Promise<void> {
  for (const asset of assets()) {
    const body = await readFile(asset.file);
    app.get(asset.route, async (_req, reply) => {
      reply.header('content-type', asset.type);
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      reply.header('x-content-type-options', 'nosniff');
      return reply.send(body);
    });
  }
}
