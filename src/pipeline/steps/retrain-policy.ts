// Whether `dfp run` fits a new challenger for a model (retrain.when), decided before its train step does any work.
// New labelled data is recognised by the lake: the data commit differs from the one the production version trained
// on. The same commit with another config is the user asking for a new model, so it is always trained.
import type { DfpConfig } from '../../core/config/schema.ts';
import { configThresholds, MIN_ROWS } from '../../core/drift/document.ts';
import { featureDrift } from '../../core/drift/report.ts';
import { isDfpError } from '../../core/errors.ts';
import { FEATURE_COLUMNS } from '../../core/kronodroid/schema.ts';
import type { ModelVersion, Tracking } from '../../core/tracking/index.ts';
import { trainingInput } from '../../drift/reference.ts';
import type { ObjectLake } from '../../lake/repository.ts';
import { subset } from '../../train/split.ts';
import { lakeDataset } from './testset.ts';

export type RetrainDecision =
  | { due: true; reason: string }
  /** Production is kept as it is: no challenger is fitted on this data. */
  | { due: false; reason: string; production: ModelVersion };

export async function retrainDecision(lake: ObjectLake, tracking: Tracking, config: DfpConfig, name: string, dataCommit: string): Promise<RetrainDecision> {
  const policy = config.retrain.when;
  const prod = await tracking.getVersionByAlias(name, 'production').catch((e: unknown) => {
    if (isDfpError(e) && e.code === 'NOT_FOUND') return null; // no such registered model yet
    throw e;
  });
  if (!prod) return { due: true, reason: 'no production version yet' };
  const where = prod.runId ? await trainingInput(tracking, prod.runId).catch(() => null) : null;
  // A production version whose training data cannot be found is treated as stale: a challenger is judged against it.
  if (!where) return { due: true, reason: `production v${prod.version} records no training data commit` };
  if (where.commit === dataCommit) return { due: true, reason: `same data as production v${prod.version} (data commit ${dataCommit.slice(0, 12)}): a changed config trains a new candidate` };
  if (policy === 'always') return { due: true, reason: `retrain.when=always and new data (commit ${dataCommit.slice(0, 12)}, production v${prod.version} trained on ${where.commit.slice(0, 12)})` };
  if (policy === 'never') return { due: false, reason: `retrain.when=never: production v${prod.version} kept on new data commit ${dataCommit.slice(0, 12)}`, production: prod };

  // drift: the apps this commit adds, compared with the apps production trained on.
  const [reference, current] = await Promise.all([lakeDataset(lake, { ...config, train: { ...config.train, table: where.table } }, where.commit), lakeDataset(lake, config, dataCommit)]);
  const known = new Set(reference.sha256);
  const fresh = subset(current, current.sha256.flatMap((s, i) => (known.has(s) ? [] : [i])));
  if (fresh.n === 0) return { due: false, reason: `no new apps since production v${prod.version}'s data commit ${where.commit.slice(0, 12)}`, production: prod };
  if (fresh.n < MIN_ROWS) return { due: false, reason: `${fresh.n} new app(s) since production v${prod.version}: too few to test for drift (at least ${MIN_ROWS})`, production: prod };
  const report = featureDrift(FEATURE_COLUMNS, { x: reference.x, n: reference.n }, { x: fresh.x, n: fresh.n }, configThresholds(config));
  const drifted = report.features.filter((f) => f.drifted).length;
  return report.drifted
    ? { due: true, reason: `retrain.when=drift: ${fresh.n} new apps drifted from production v${prod.version}'s training data (${drifted} features)` }
    : { due: false, reason: `retrain.when=drift: ${fresh.n} new apps show no drift from production v${prod.version}'s training data`, production: prod };
}
