/**
 * @module Registry flows the trainer calls: register a logged model, promote a version to an alias, and
 * champion/challenger — the candidate replaces `production` only when it beats it on the same test data.
 */
import { DfpError } from '../errors.ts';
import { resolveModelUri } from './model-uri.ts';
import type { ModelRegistry, ModelVersion, RunTracker } from './types.ts';

type Backend = ModelRegistry & Pick<RunTracker, 'getRun' | 'logBatch' | 'listArtifacts'>;

/**
 * Registered model names: they appear in models:/<name>@<alias> URIs, so no '/', '@' or ':' (which those URIs split
 * on), and no spaces or other characters that need quoting on a command line.
 */
export function checkModelName(name: string): void {
  if (!/^[A-Za-z0-9][\w.-]{0,255}$/.test(name)) {
    throw new DfpError('USAGE', `model name '${name}' is not allowed: use 1-256 letters, digits, '_', '-' or '.', starting with a letter or digit (e.g. kronodroid_detector)`, { name });
  }
}

/** Aliases name one version each; `latest` and v<number> would read as version references in a models:/ URI. */
export function checkAlias(alias: string): void {
  if (!/^[A-Za-z_][\w-]*$/.test(alias) || /^v\d+$/i.test(alias) || alias === 'latest') {
    throw new DfpError('USAGE', `alias '${alias}' is not allowed: use letters, digits, _ and -, not 'latest' or v<number>`);
  }
}

/**
 * MLflow's `register_model`: registers the model at `modelUri` (runs:/… or models:/…) as a new version of `name`,
 * creating the registered model when missing. Everything is checked first (the name, that the run exists, that a
 * model was logged there), so a refused registration leaves no empty registered model behind.
 */
export async function registerModel(
  t: Backend,
  name: string,
  modelUri: string,
  opts: { description?: string; tags?: Record<string, string> } = {},
): Promise<ModelVersion> {
  checkModelName(name);
  const resolved = await resolveModelUri(t, async (id) => (await runOf(t, id, modelUri)).info.artifactUri, modelUri);
  const run = await runOf(t, resolved.runId, modelUri);
  const where = resolved.artifactPath;
  const files = await t.listArtifacts(run.info.runId, where);
  if (!files.some((f) => f.path === (where ? `${where}/MLmodel` : 'MLmodel'))) {
    const logged = (await t.listArtifacts(run.info.runId)).filter((f) => f.isDir).map((f) => f.path);
    const hint = logged.length ? `its artifact folders: ${logged.join(', ')}` : 'it has no artifacts';
    throw new DfpError(
      'NOT_FOUND',
      `run ${run.info.runId} has no logged model at '${where || '.'}' (no MLmodel file; ${hint}); register the run of a \`dfp train\` (its model is at runs:/<run_id>/model)`,
      { run_id: run.info.runId, artifact_path: where },
    );
  }
  await t.ensureRegisteredModel(name);
  const source = where ? `${run.info.artifactUri.replace(/\/+$/, '')}/${where}` : run.info.artifactUri;
  return t.createModelVersion(name, { source, runId: run.info.runId, description: opts.description, tags: opts.tags });
}

/** The run, or NOT_FOUND naming it and the URI it came from (backends word "no such run" differently). */
async function runOf(t: Backend, runId: string, modelUri: string) {
  try {
    return await t.getRun(runId);
  } catch (e) {
    if (e instanceof DfpError && (e.code === 'NOT_FOUND' || e.code === 'INPUT_INVALID')) {
      throw new DfpError('NOT_FOUND', `run '${runId}' (from ${modelUri}) not found: ${e.message}; list runs with \`dfp runs list\``, { run_id: runId }, { cause: e });
    }
    throw e;
  }
}

/** Points `alias` at a version (checking it exists); returns the version. */
export async function promote(t: ModelRegistry, name: string, version: string, alias: string): Promise<ModelVersion> {
  checkAlias(alias);
  const v = await t.getModelVersion(name, version);
  await t.setAlias(name, alias, version);
  return { ...v, aliases: [...new Set([...v.aliases, alias])] };
}

export interface ChampionOptions {
  name: string;
  /** The freshly registered version. */
  candidate: string;
  metric: string;
  higherIsBetter: boolean;
  /** Candidate's score on the test data; read from its run's metrics when omitted. */
  candidateValue?: number;
  /** Current production's score on the same test data; read from its run when omitted. */
  productionValue?: number;
  productionAlias?: string;
  candidateAlias?: string;
  /** How much better the candidate must be (retrain.margin); 0: any strict improvement. */
  margin?: number;
}

export interface ChampionDecision {
  name: string;
  metric: string;
  higherIsBetter: boolean;
  candidate: { version: string; value: number };
  production: { version: string; value: number } | null;
  promoted: boolean;
  reason: string;
}

/** The pure comparison: the candidate wins when it is better by more than `margin`; a tie keeps the champion. */
export function decide(candidate: number, production: number | null, higherIsBetter: boolean, margin = 0): { promoted: boolean; reason: string } {
  if (!Number.isFinite(candidate)) return { promoted: false, reason: `candidate score ${candidate} is not a number` };
  if (production === null) return { promoted: true, reason: 'no production version yet' };
  const gain = higherIsBetter ? candidate - production : production - candidate;
  const better = gain > margin;
  const cmp = candidate === production ? '=' : (candidate > production) ? '>' : '<';
  const by = margin > 0 ? ` (by ${round(Math.abs(gain))}, margin ${margin})` : '';
  return better
    ? { promoted: true, reason: `candidate ${candidate} ${cmp} production ${production}${by}` }
    : { promoted: false, reason: `candidate ${candidate} ${cmp} production ${production}${by}; production kept` };
}

const round = (v: number) => Number(v.toPrecision(4));

async function metricOf(t: Backend, v: ModelVersion, metric: string, role: string): Promise<number> {
  if (!v.runId) throw new DfpError('NOT_FOUND', `${role} version ${v.version} of '${v.name}' has no run to read '${metric}' from; pass the value`);
  const value = (await t.getRun(v.runId)).metrics[metric];
  if (value === undefined) throw new DfpError('NOT_FOUND', `${role} version ${v.version} of '${v.name}': run ${v.runId} has no metric '${metric}'; pass the value`);
  return value;
}

/**
 * Sets `candidate` on the new version, moves `production` to it only when it beats the current one (or
 * there is none), and records the decision and both numbers on the candidate's run and version.
 */
export async function championChallenger(t: Backend, o: ChampionOptions): Promise<ChampionDecision> {
  const prodAlias = o.productionAlias ?? 'production';
  const candAlias = o.candidateAlias ?? 'candidate';
  const cand = await t.getModelVersion(o.name, o.candidate);
  const candidateValue = o.candidateValue ?? (await metricOf(t, cand, o.metric, 'candidate'));
  const prod = await t.getVersionByAlias(o.name, prodAlias);
  const productionValue = prod && prod.version !== cand.version ? (o.productionValue ?? (await metricOf(t, prod, o.metric, 'production'))) : null;
  const { promoted, reason } = decide(candidateValue, productionValue, o.higherIsBetter, o.margin ?? 0);

  await t.setAlias(o.name, candAlias, cand.version);
  if (promoted) await t.setAlias(o.name, prodAlias, cand.version);
  const decision: ChampionDecision = {
    name: o.name,
    metric: o.metric,
    higherIsBetter: o.higherIsBetter,
    candidate: { version: cand.version, value: candidateValue },
    production: prod && productionValue !== null ? { version: prod.version, value: productionValue } : null,
    promoted,
    reason,
  };
  const tags: Record<string, string> = {
    'dfp.champion.decision': promoted ? 'promoted' : 'kept_production',
    'dfp.champion.reason': reason,
    'dfp.champion.metric': o.metric,
    'dfp.champion.candidate_value': String(candidateValue),
    'dfp.champion.production_version': decision.production?.version ?? '',
    'dfp.champion.production_value': decision.production ? String(decision.production.value) : '',
  };
  await t.setModelVersionTag(o.name, cand.version, 'dfp.champion.decision', tags['dfp.champion.decision']!);
  if (cand.runId) {
    // Params are write-once; a second comparison of the same run keeps its first numbers there, tags hold the latest.
    const run = await t.getRun(cand.runId);
    const params: Record<string, string | number> = run.params['champion.metric'] === undefined ? { 'champion.metric': o.metric, 'champion.candidate_value': candidateValue, 'champion.production_value': decision.production?.value ?? 'none' } : {};
    await t.logBatch(cand.runId, { tags, params });
  }
  return decision;
}
