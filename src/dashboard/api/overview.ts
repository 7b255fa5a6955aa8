// /api/ui/overview: the last `dfp run` (from <workspace>/runs/last-run.json when present), lake head, latest runs, production models.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { messageOf } from '../../core/errors.ts';
import type { DashboardResources } from '../resources.ts';
import type { ChampionSummary, ModelSummary } from '../../pipeline/types.ts';
import type { AliasedVersion, Overview, PipelineDecision, PipelineRun, PipelineStep } from '../types.ts';
import { commitSummary } from './lake.ts';
import { runRow } from './runs.ts';

export const LAST_RUN_FILE = join('runs', 'last-run.json');

/** Reads the pipeline summary; null when `dfp run` has not written one. A malformed file is an error shown on the page. */
export async function readLastRun(workspace: string): Promise<PipelineRun | null> {
  let text: string;
  try {
    text = await readFile(join(workspace, LAST_RUN_FILE), 'utf8');
  } catch {
    return null;
  }
  const raw = JSON.parse(text) as Omit<Partial<PipelineRun>, 'steps' | 'decisions'> & { steps?: unknown; models?: unknown };
  if (!raw || typeof raw !== 'object' || !raw.steps || typeof raw.steps !== 'object') throw new Error(`${LAST_RUN_FILE} has no "steps"`);
  // `dfp run --json` keys steps by name ({"ingest": {"status", "seconds"}}); a list of named steps also reads.
  const steps = Array.isArray(raw.steps)
    ? (raw.steps as PipelineStep[])
    : Object.entries(raw.steps as Record<string, Omit<PipelineStep, 'name'>>).map(([name, s]) => ({ ...s, name }));
  return { ...raw, status: String(raw.status ?? 'unknown'), steps: steps.map((s) => ({ ...s, name: String(s.name), status: String(s.status) })), decisions: decisionsOf(raw.models) };
}

/** RunSummary.models as the decisions table reads them; models from older summaries without a `retrain` field read as retrained. */
function decisionsOf(models: unknown): PipelineDecision[] {
  if (!models || typeof models !== 'object') return [];
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return Object.entries(models as Record<string, Partial<ModelSummary>>).map(([name, m]) => {
    const c: Partial<ChampionSummary> = m.champion ?? {};
    const retrained = m.retrain?.trained ?? true;
    return {
      name,
      retrained,
      retrain_reason: m.retrain?.reason ?? '',
      metric: String(c.metric ?? ''),
      candidate_version: retrained ? String(m.version ?? '') || null : null,
      candidate_value: num(c.candidate_value),
      production_version: c.production_version ?? null,
      production_value: num(c.production_value),
      promoted: c.promoted === true,
      reason: String(c.reason ?? ''),
    };
  });
}

export function overviewRoutes(app: FastifyInstance, r: DashboardResources): void {
  app.get('/api/ui/overview', async (): Promise<Overview> => {
    const errors: string[] = [];
    // Each section is independent: a missing tracking store must not hide the lake, and so on.
    const part = async <T>(what: string, fn: () => Promise<T>, fallback: T): Promise<T> => {
      try {
        return await fn();
      } catch (e) {
        errors.push(`${what}: ${messageOf(e)}`);
        return fallback;
      }
    };
    const branch = r.config.lake.default_branch;
    const [pipeline, lake, tracking] = await Promise.all([
      part('last run', () => readLastRun(r.config.workspace), null),
      part<Overview['lake']>(
        'lake',
        async () => {
          const l = await r.lake();
          return { location: l.location, branch, head: commitSummary(await l.resolve(branch)) };
        },
        { location: '', branch, head: null },
      ),
      part(
        'tracking',
        async () => {
          const t = await r.tracking();
          const runs = (await t.searchRuns({ maxResults: 5 })).map(runRow);
          const production: AliasedVersion[] = [];
          const alias = r.config.serve.alias;
          for (const m of await t.listRegisteredModels()) {
            const v = await t.getVersionByAlias(m.name, alias);
            if (!v) continue;
            const run = v.runId ? await t.getRun(v.runId).catch(() => null) : null;
            production.push({ name: m.name, alias, version: v.version, runId: v.runId, kind: run?.tags['dfp.model'] ?? null, metrics: run?.metrics ?? {} });
          }
          return { info: { kind: t.kind, location: t.location }, runs, production };
        },
        { info: { kind: '', location: '' }, runs: [], production: [] },
      ),
    ]);
    return { workspace: r.config.workspace, pipeline, lake, runs: tracking.runs, production: tracking.production, tracking: tracking.info, errors };
  });
}
