// Builds the scoring API's Fastify instance: parsers, error mapping, metrics hooks, docs, routes, the feature server.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { ScoringInputError } from '../core/scoring/errors.ts';
import { featureServerPlugin } from '../features/http/feature-server.ts';
import type { OnlineFeatureService } from '../features/online/service.ts';
import type { DriftMonitor } from './drift.ts';
import { errorHandler } from './http-errors.ts';
import { FeatureLookup } from './lookup.ts';
import { ServeMetrics } from './metrics.ts';
import type { ModelHolder } from '../runtime/holder.ts';
import { ServedModels } from './model-set.ts';
import { appFeaturesSchema, appPassthroughSchema, errorSchema, scoreResultSchema } from './openapi.ts';
import { adminRoutes } from './routes/admin.ts';
import { apkRoutes } from './routes/apk.ts';
import { driftRoutes } from './routes/drift.ts';
import { opsRoutes } from './routes/ops.ts';
import { scoreRoutes } from './routes/score.ts';

export interface ServeAppOptions {
  /** The primary model: its verdict answers /v1/score, and /readyz waits for it. */
  holder: ModelHolder;
  /** The fingerprint model served beside it: its anomaly score comes with every default answer. */
  fingerprint?: ModelHolder;
  metrics?: ServeMetrics;
  /** Live drift monitoring: mounts GET /v1/drift (the holders' onScored must feed it). */
  drift?: DriftMonitor;
  /** Enables {"sha256": …} scoring and mounts POST /get-online-features. */
  online?: { service: OnlineFeatureService; featureService?: string };
  apiKey?: string;
  bodyLimit?: number;
  maxBatchItems?: number;
  /** POST /v1/score/apk: the static-only detector (serve.static_model; absent: the route says APK scoring is off) and the upload limit. */
  apk?: { holder?: ModelHolder; limitBytes?: number };
  /** Request and error logs (default: none). */
  logger?: FastifyBaseLogger;
}

export async function buildServeApp(o: ServeAppOptions): Promise<FastifyInstance> {
  const metrics = o.metrics ?? new ServeMetrics();
  const app = Fastify({ ...(o.logger ? { loggerInstance: o.logger } : { logger: false }), bodyLimit: o.bodyLimit ?? 1024 * 1024 }) as unknown as FastifyInstance;

  // JSON.parse defines "__proto__" as an own key (no pollution), and the validator rejects unknown keys anyway,
  // so the plain parser is safe here and cheaper than the default's prototype scan.
  // Only JSON and NDJSON are scored; anything else (text/plain, forms) is a 415 that names the content type.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch (e) {
      done(new ScoringInputError('body', `body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, (_req, body, done) => {
    const items: unknown[] = [];
    const lines = (body as string).split('\n');
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n]!.trim();
      if (line === '') continue;
      try {
        items.push(JSON.parse(line));
      } catch (e) {
        done(new ScoringInputError(`[${items.length}]`, `NDJSON line ${n + 1} is not valid JSON: ${(e as Error).message}`), undefined);
        return;
      }
    }
    done(null, items);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}; see /docs` } }),
  );

  // Latency by route template (not raw URL, which would explode label cardinality), children cached.
  const children = new Map<string, ReturnType<typeof metrics.latency.labels>>();
  app.addHook('onResponse', (req, reply, done) => {
    const key = `${req.routeOptions.url ?? 'unmatched'}\0${req.method}\0${reply.statusCode}`;
    let h = children.get(key);
    if (!h) children.set(key, (h = metrics.latency.labels(req.routeOptions.url ?? 'unmatched', req.method, String(reply.statusCode))));
    h.observe(reply.elapsedTime / 1000);
    done();
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'dfp scoring API',
        version: '0.1.0',
        description:
          'Scores Android apps (KronoDroid features) with the models the registry alias points at: the verdict from serve.model (the detector by default), ' +
          'and, when serve.fingerprint_model is loaded too (the fingerprint autoencoder by default), its anomaly score beside it as `fingerprint`. `?model=<name>` asks one served model alone.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  // Served from the package's own files: no CDN, and no call to the public spec validator.
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { validatorUrl: null } });
  app.addSchema(appFeaturesSchema);
  app.addSchema(appPassthroughSchema);
  app.addSchema(scoreResultSchema);
  app.addSchema(errorSchema);

  const models = new ServedModels(o.holder, o.fingerprint, o.apk?.holder);
  scoreRoutes(app, { models, metrics, lookup: o.online ? new FeatureLookup(o.online.service, o.online.featureService) : undefined, maxBatchItems: o.maxBatchItems ?? 1000 });
  opsRoutes(app, { models, metrics });
  adminRoutes(app, { models, apiKey: o.apiKey });
  if (o.drift) driftRoutes(app, { models, drift: o.drift });
  await apkRoutes(app, { holder: o.apk?.holder, limitBytes: o.apk?.limitBytes ?? 128 * 1024 * 1024, metrics });
  if (o.online) await app.register(featureServerPlugin, { service: o.online.service });
  return app;
}
