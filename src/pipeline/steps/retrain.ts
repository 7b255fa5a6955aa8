// Whether `dfp run` trains a new candidate of a model (retrain.when): always; never once a version is in production;
// or, by default, only when new labelled apps arrived since the production version's data commit and they drifted
// from the apps it was trained on (src/core/drift). The decision and its reason are reported for the run summary.
import { FEATURE_COLUMNS } from '../../core/kronodroid/schema.ts';
import { featureDrift } from '../../core/drift/report.ts';
import { engineOptions } from '../../engine/duckdb/connection.ts';
import { openTracking } from '../../tracking/index.ts';
import { loadLakeDataset } from '../../train/data.ts';
import { subset } from '../../train/split.ts';
import type { PipelineEnv } from '../env.ts';
import type { ModelPlan } from './model.ts';

export interface RetrainDecision {
  due: boolean;
  reason: string;
  /** The production version kept when not due (its run answers for evaluation and export). */
  production?: { version: string; run_id: string };
  drift?: { new_apps: number; drifted_features: number; drifted: boolean };
}

export async function retrainDecision(env: PipelineEnv, m: ModelPlan, dataCommit: string): Promise<RetrainDecision> {
  const when = m.config.retrain.when;
  if (when === 'always') return { due: true, reason: 'retrain.when=always' };
  const t = await openTracking(m.config);
  try {
    const prod = await t.getVersionByAlias(m.name, 'production');
    if (!prod?.runId) return { due: true, reason: 'no version in production yet' };
    const production = { version: prod.version, run_id: prod.runId };
    if (when === 'never') return { due: false, reason: `retrain.when=never: production v${prod.version} stays`, production };
    const params = (await t.getRun(prod.runId)).params;
    const refCommit = params['data.commit'];
    const table = params['data.table'] ?? m.config.train.table;
    if (!refCommit) return { due: true, reason: `production v${prod.version}'s run records no data commit` };
    if (refCommit === dataCommit) return { due: false, reason: `no new data since production v${prod.version} (commit ${dataCommit.slice(0, 12)})`, production };
    const engine = engineOptions(m.config);
    const ref = (await loadLakeDataset(env.lake, refCommit, table, engine)).data;
    const cur = (await loadLakeDataset(env.lake, dataCommit, m.config.train.table, engine)).data;
    const seen = new Set(ref.sha256);
    const fresh = subset(cur, cur.sha256.flatMap((s, i) => (seen.has(s) ? [] : [i])));
    if (fresh.n === 0) return { due: false, reason: `no new apps since production v${prod.version}`, production };
    const report = featureDrift(FEATURE_COLUMNS, { x: ref.x, n: ref.n }, { x: fresh.x, n: fresh.n });
    const drifted = report.features.filter((f) => f.drifted).length;
    const drift = { new_apps: fresh.n, drifted_features: drifted, drifted: report.drifted };
    return report.drifted
      ? { due: true, reason: `${fresh.n} new apps, ${drifted} features drifted from production v${prod.version}'s training data`, drift }
      : { due: false, reason: `${fresh.n} new apps, no drift from production v${prod.version}'s training data`, production, drift };
  } finally {
    await t.close();
  }
}
