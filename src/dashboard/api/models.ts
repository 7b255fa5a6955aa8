// /api/ui/models*: registered models with their versions, aliases and source-run metrics; model cards; promote (API key).
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { DfpError } from '../../core/errors.ts';
import { promote } from '../../core/tracking/index.ts';
import type { ModelVersion, RegisteredModel, Tracking } from '../../core/tracking/index.ts';
import type { DashboardResources } from '../resources.ts';
import type { ModelRow, PromoteResult, VersionRow } from '../types.ts';
import { requireAdmin } from './auth.ts';
import { artifactFile } from './runs.ts';

/** The artifact path of a version's model directory inside its run ("model" for dfp train). */
export function modelPathInRun(v: ModelVersion, runArtifactUri: string): string {
  const root = runArtifactUri.replace(/\/+$/, '');
  if (v.source.startsWith(`${root}/`)) return v.source.slice(root.length + 1).replace(/\/+$/, '');
  return /^runs:\/[^/]+\/(.+)$/.exec(v.source)?.[1] ?? 'model';
}

async function versionRow(t: Tracking, v: ModelVersion): Promise<VersionRow> {
  const run = v.runId ? await t.getRun(v.runId).catch(() => null) : null;
  return {
    version: v.version,
    stage: v.stage,
    aliases: v.aliases,
    runId: v.runId,
    status: v.status,
    createdAt: v.createdAt,
    description: v.description,
    kind: run?.tags['dfp.model'] ?? null,
    metrics: run?.metrics ?? {},
  };
}

export async function modelRow(t: Tracking, m: RegisteredModel): Promise<ModelRow> {
  const versions = await t.listModelVersions(m.name);
  return {
    name: m.name,
    description: m.description,
    aliases: m.aliases,
    latestVersion: m.latestVersion,
    updatedAt: m.updatedAt,
    versions: await Promise.all(versions.map((v) => versionRow(t, v))),
  };
}

export function modelRoutes(app: FastifyInstance, r: DashboardResources): void {
  app.get('/api/ui/models', async () => {
    const t = await r.tracking();
    const models = await t.listRegisteredModels();
    return { backend: t.kind, location: t.location, serve: { model: r.config.serve.model, alias: r.config.serve.alias }, models: await Promise.all(models.map((m) => modelRow(t, m))) };
  });

  app.get<{ Params: { name: string; version: string } }>('/api/ui/models/:name/versions/:version/card', async (req, reply) => {
    const t = await r.tracking();
    const v = await t.getModelVersion(req.params.name, req.params.version);
    if (!v.runId) throw new DfpError('NOT_FOUND', `version ${v.version} of ${v.name} has no source run, so no model card`);
    const dir = modelPathInRun(v, (await t.getRun(v.runId)).info.artifactUri);
    const file = await artifactFile(r, v.runId, `${dir}/model_card.md`);
    return reply.type('application/json').send({ runId: v.runId, base: dir, markdown: await readFile(file, 'utf8') });
  });

  app.post<{ Params: { name: string }; Body: { version?: unknown; alias?: unknown } }>('/api/ui/models/:name/promote', async (req): Promise<PromoteResult> => {
    requireAdmin(req, r.config.serve.api_key);
    const version = String(req.body?.version ?? '');
    const alias = String(req.body?.alias ?? 'production');
    if (!/^\d+$/.test(version)) throw new DfpError('USAGE', `version must be a version number, got '${version}'`);
    const t = await r.tracking();
    const previous = await t.getVersionByAlias(req.params.name, alias);
    await promote(t, req.params.name, version, alias);
    req.log.info({ model: req.params.name, alias, version, previous: previous?.version ?? null }, 'promoted from the dashboard');
    return { name: req.params.name, alias, version, previous: previous?.version ?? null };
  });
}
