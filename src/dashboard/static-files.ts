/**
 * The page's files. Read once at start: they are a few kilobytes, and serving from memory keeps a
 * dashboard on a busy consumer host from touching the disk on every poll. No @fastify/static: the files
 * found in public/ at start (the page, its modules and styles) and uPlot are a fixed set of routes,
 * which a request cannot walk out of.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, sep } from 'node:path';
import { repoPath } from '../plumbing/modules.ts';
import type { FastifyInstance } from 'fastify';

interface Asset {
  route: string;
  file: string;
  type: string;
}

const publicDir = repoPath('src/dashboard/public/');
const require = createRequire(import.meta.url);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** index.html at `/`; every other file of public/ at its path there: `/app.js`, `/panels/cameras.js`, ... */
async function pageAssets(): Promise<Asset[]> {
  const names = (await readdir(publicDir, { recursive: true })).filter((name) => TYPES[extname(name)]).sort();
  return names.map((name) => ({
    route: name === 'index.html' ? '/' : `/${name.split(sep).join('/')}`,
    file: publicDir + name,
    type: TYPES[extname(name)],
  }));
}

async function assets(): Promise<Asset[]> {
  return [
    ...(await pageAssets()),
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
  for (const asset of await assets()) {
    const body = await readFile(asset.file);
    app.get(asset.route, async (_req, reply) => {
      reply.header('content-type', asset.type);
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      reply.header('x-content-type-options', 'nosniff');
      return reply.send(body);
    });
  }
}
