// Fastify plugin with Feast's feature-server endpoint `POST /get-online-features`. The response is
// column-wise as Feast's: metadata.feature_names[k] names results[k]; results[0] is the join key itself
// (PRESENT, epoch timestamps), then one column per feature with values, statuses and event_timestamps.
// A later `dfp serve` mounts this; tests drive it with fastify.inject.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { isDfpError } from '../../core/errors.ts';
import { fullFeatureName } from '../../core/features/registry-spec.ts';
import type { FeatureStatus } from '../../core/features/types.ts';
import type { OnlineFeatureService, OnlineFeatures } from '../online/service.ts';
import { BadRequest, parseBody } from './request.ts';

export interface FeatureServerOptions {
  service: OnlineFeatureService;
}

export interface FeastColumn {
  values: (string | number | null)[];
  statuses: FeatureStatus[];
  event_timestamps: string[];
}

export interface FeastOnlineResponse {
  metadata: { feature_names: string[] };
  results: FeastColumn[];
}

const EPOCH = '1970-01-01T00:00:00Z';

function isoSeconds(ms: number | null): string {
  return ms === null ? EPOCH : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function toFeastResponse(res: OnlineFeatures, joinKey: string, fullNames: boolean): FeastOnlineResponse {
  const names = res.columns.map((c) => (fullNames ? fullFeatureName(c.ref) : c.ref.feature));
  if (!fullNames) {
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new BadRequest('full_feature_names', `feature '${dup}' is requested from several views; set full_feature_names to true`);
  }
  const keyColumn: FeastColumn = {
    values: res.entities,
    statuses: res.entities.map(() => 'PRESENT'),
    event_timestamps: res.entities.map(() => EPOCH),
  };
  const tsCache = new Map<number | null, string>();
  const iso = (ms: number | null) => {
    let s = tsCache.get(ms);
    if (s === undefined) tsCache.set(ms, (s = isoSeconds(ms)));
    return s;
  };
  return {
    metadata: { feature_names: [joinKey, ...names] },
    results: [keyColumn, ...res.columns.map((c) => ({ values: c.values, statuses: c.statuses, event_timestamps: c.eventTimestamps.map(iso) }))],
  };
}

export const featureServerPlugin: FastifyPluginAsync<FeatureServerOptions> = async (app: FastifyInstance, opts) => {
  const { service } = opts;
  const joinKey = service.applied.registry.entity.join_key;
  // Feast's examples post with `curl -d` (form content type): read any body as JSON, as Feast does.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch {
      done(new BadRequest('body', 'not valid JSON'), undefined);
    }
  });
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof BadRequest) return reply.code(400).send({ error: { code: err.code, field: err.field, message: err.message } });
    // Unknown views, features or services in the request are the client's mistake too.
    if (isDfpError(err) && (err.code === 'NOT_FOUND' || err.code === 'USAGE')) {
      return reply.code(400).send({ error: { code: err.code, field: fieldOf(err.details), message: err.message } });
    }
    if (isDfpError(err) && err.code === 'NETWORK') return reply.code(503).send({ error: { code: err.code, message: err.message } });
    app.log.error(err);
    return reply.code(500).send({ error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } });
  });

  app.post('/get-online-features', async (req) => {
    const body = parseBody(req.body, joinKey);
    const selection = service.select(body.feature_service !== undefined ? { service: body.feature_service } : { features: body.features ?? [] });
    const res = await service.get(body.entities[joinKey]!, selection);
    return toFeastResponse(res, joinKey, body.full_feature_names);
  });
};

function fieldOf(details: Record<string, unknown> | undefined): string {
  if (details?.service !== undefined) return 'feature_service';
  return 'features';
}
