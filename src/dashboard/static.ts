// Serves the built web app (web/dist): hashed assets with long caching, and index.html for every page path (SPA fallback).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const WEB_DIST = resolve(import.meta.dirname, '../../web/dist');

/** Client-side routes of the app; each answers with index.html so a reload or a shared link works. */
export const PAGE_ROUTES = ['/', '/data', '/features', '/experiments', '/experiments/*', '/models', '/models/*', '/score', '/drift'];

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>dfp dashboard</title>
<body style="font-family:system-ui;margin:2rem"><h1>dfp dashboard is not built</h1>
<p>Run <code>npm run build:web</code> (it also runs on <code>npm ci</code>), then reload. The JSON API is under <code>/api/ui/</code>.</p></body></html>`;

export async function registerStatic(app: FastifyInstance, dist = WEB_DIST): Promise<void> {
  const indexFile = join(dist, 'index.html');
  const built = existsSync(indexFile);
  if (built) {
    await app.register(fastifyStatic, {
      root: join(dist, 'assets'),
      prefix: '/assets/',
      // File names carry a content hash, so they never change.
      immutable: true,
      maxAge: '365d',
      decorateReply: false,
    });
  }
  // Read per request (600 bytes): a rebuild while the server runs is picked up, never a stale page naming deleted assets.
  for (const url of PAGE_ROUTES) {
    app.get(url, async (_req, reply) => {
      const page = await readFile(indexFile, 'utf8').catch(() => NOT_BUILT);
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
    });
  }
}
