// /v1/admin/reload and /v1/admin/promote, behind the API key.
import type { FastifyInstance } from 'fastify';
import { ScoringInputError } from '../../core/scoring/errors.ts';
import { adminGuard } from '../auth.ts';
import { messageOf } from '../../core/errors.ts';
import type { ServedModels } from '../model-set.ts';
import { promoteBodySchema } from '../openapi.ts';

const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }];

function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v === 'number' && key === 'version' && Number.isInteger(v) && v > 0) return String(v);
  if (typeof v !== 'string' || v === '') throw new ScoringInputError(key, `'${key}' must be a non-empty string`);
  return v;
}

export function adminRoutes(app: FastifyInstance, o: { models: ServedModels; apiKey: string | undefined }): void {
  const guard = adminGuard(o.apiKey);

  app.post(
    '/v1/admin/reload',
    { preHandler: guard, schema: { summary: 'Re-resolve the served alias of every served model now and swap those whose alias moved', tags: ['admin'], security } },
    async () => {
      const primary = o.models.primary;
      const fingerprint = o.models.fingerprint;
      // The fingerprint model's failure is reported beside the primary's outcome, never instead of it.
      const [r, f] = await Promise.all([primary.reload(), fingerprint?.reload().catch((e: unknown) => ({ error: messageOf(e) }))]);
      return { alias: primary.alias, ...r, ...(fingerprint ? { fingerprint: f } : {}) };
    },
  );

  app.post(
    '/v1/admin/promote',
    {
      preHandler: guard,
      schema: { summary: 'Point an alias at a model version (the served alias switches the server over)', tags: ['admin'], security, body: promoteBodySchema },
      validatorCompiler: () => () => true,
    },
    async (req) => {
      const body = req.body;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ScoringInputError('body', 'expected {"name", "version", "alias"}');
      const b = body as Record<string, unknown>;
      const extra = Object.keys(b).find((k) => k !== 'name' && k !== 'version' && k !== 'alias');
      if (extra) throw new ScoringInputError(extra, `unknown field '${extra}'; expected name, version, alias`);
      const ref = { name: str(b, 'name'), version: str(b, 'version') };
      const alias = str(b, 'alias');
      const holder = o.models.forPromotion(ref.name);
      await holder.opts.source.promote(ref, alias);
      const serving = alias === holder.alias ? await holder.reload() : undefined;
      return { promoted: { ...ref, alias }, ...(serving ? { serving } : {}) };
    },
  );
}
