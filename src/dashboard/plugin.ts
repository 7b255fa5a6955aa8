// The dashboard as a Fastify plugin: the JSON API under /api/ui/* (over the same library calls as the CLI) and the built UI at /.
import type { FastifyInstance } from 'fastify';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError } from '../core/errors.ts';
import { featureRoutes } from './api/features.ts';
import { lakeRoutes } from './api/lake.ts';
import { modelRoutes } from './api/models.ts';
import { overviewRoutes } from './api/overview.ts';
import { runRoutes } from './api/runs.ts';
import { scoreRoutes } from './api/score.ts';
import { errorHandler } from './http.ts';
import { DashboardResources } from './resources.ts';
import { registerStatic } from './static.ts';

export interface DashboardPluginOptions {
  config: DfpConfig;
  /** Built web app directory (default web/dist of this checkout). */
  dist?: string;
}

/** Register with `app.register(dashboardPlugin, { config })`; encapsulated, so its error handler covers its own routes only. */
export async function dashboardPlugin(app: FastifyInstance, opts: DashboardPluginOptions): Promise<void> {
  const resources = new DashboardResources(opts.config);
  app.addHook('onClose', () => resources.close());
  // Open the lake and DuckDB in the background once listening, so the first page view does not pay for it.
  app.addHook('onReady', async () => {
    void resources.lake().catch(() => undefined);
    void resources.query('SELECT 1').catch(() => undefined);
  });
  app.setErrorHandler(errorHandler);
  overviewRoutes(app, resources);
  lakeRoutes(app, resources);
  featureRoutes(app, resources);
  runRoutes(app, resources);
  modelRoutes(app, resources);
  scoreRoutes(app, resources);
  app.all('/api/ui/*', async (req) => {
    throw new DfpError('NOT_FOUND', `no dashboard API route ${req.method} ${req.url.split('?')[0]}`);
  });
  await registerStatic(app, opts.dist);
}
