// /api/ui/runs*: tracked runs (list, detail with per-epoch metric histories) and their artifacts (plots, model card).
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { DfpError } from '../../core/errors.ts';
import type { Run, Tracking } from '../../core/tracking/index.ts';
import { int, required, str } from '../http.ts';
import type { DashboardResources } from '../resources.ts';
import type { RunDetail, RunRow } from '../types.ts';

export function runRow(r: Run): RunRow {
  return {
    runId: r.info.runId,
    runName: r.info.runName,
    experimentId: r.info.experimentId,
    status: r.info.status,
    startTime: r.info.startTime,
    endTime: r.info.endTime,
    model: r.tags['dfp.model'] ?? null,
    lakeCommit: r.tags['dfp.lake_commit'] ?? r.params['data.commit'] ?? null,
    params: r.params,
    metrics: r.metrics,
  };
}

/** Every artifact path of a run (files only), a few levels deep. */
async function allArtifacts(t: Tracking, runId: string, path = '', depth = 0): Promise<string[]> {
  const entries = await t.listArtifacts(runId, path || undefined);
  const out: string[] = [];
  for (const e of entries) {
    if (e.isDir) {
      if (depth < 3) out.push(...(await allArtifacts(t, runId, e.path, depth + 1)));
    } else out.push(e.path);
  }
  return out;
}

const TYPES: Record<string, string> = { svg: 'image/svg+xml', png: 'image/png', md: 'text/markdown; charset=utf-8', json: 'application/json', yaml: 'text/yaml; charset=utf-8' };

/** A local copy of one artifact file, downloaded once into the UI cache. */
export async function artifactFile(r: DashboardResources, runId: string, path: string): Promise<string> {
  if (!/^[\w.-]+$/.test(runId)) throw new DfpError('USAGE', `bad run id '${runId}'`);
  if (path.split('/').some((p) => p === '..' || p === '') || path.startsWith('/')) throw new DfpError('USAGE', `bad artifact path '${path}'`);
  const dest = join(r.cacheDir, 'artifacts', runId);
  const local = join(dest, path);
  if (existsSync(local)) return local;
  const t = await r.tracking();
  return t.downloadArtifacts(runId, path, join(dest, path.split('/').slice(0, -1).join('/')));
}

export function runRoutes(app: FastifyInstance, r: DashboardResources): void {
  app.get('/api/ui/runs', async (req) => {
    const t = await r.tracking();
    const runs = await t.searchRuns({ experiment: str(req.query, 'experiment'), maxResults: int(req.query, 'limit', 200, 1, 1000) });
    return { backend: t.kind, location: t.location, runs: runs.map(runRow) };
  });

  app.get<{ Params: { id: string } }>('/api/ui/runs/:id', async (req): Promise<RunDetail> => {
    const t = await r.tracking();
    const run = await t.getRun(req.params.id);
    const keys = Object.keys(run.metrics);
    const histories = await Promise.all(keys.map((k) => t.getMetricHistory(run.info.runId, k)));
    const history = Object.fromEntries(keys.map((k, i) => [k, (histories[i] ?? []).map((m) => ({ step: m.step, value: m.value, timestamp: m.timestamp })).sort((a, b) => a.step - b.step)]));
    const artifacts = await allArtifacts(t, run.info.runId).catch(() => []);
    return {
      run: { ...runRow(run), artifactUri: run.info.artifactUri, tags: run.tags, inputs: run.inputs.map((d) => ({ context: d.context, table: d.table, commit: d.commit, rows: d.rows })) },
      history,
      artifacts,
    };
  });

  app.get<{ Params: { id: string } }>('/api/ui/runs/:id/artifact', async (req, reply) => {
    const path = required(req.query, 'path');
    const ext = path.split('.').pop()?.toLowerCase() ?? '';
    const type = TYPES[ext];
    if (!type) throw new DfpError('USAGE', `the dashboard shows ${Object.keys(TYPES).join(', ')} artifacts only`);
    const file = await artifactFile(r, req.params.id, path);
    return reply.type(type).header('cache-control', 'private, max-age=300').send(createReadStream(file));
  });
}
