// `dfp train` end to end: lake data at a ref → split → fit → calibrate → test evaluation → artifacts and tracking run.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError, messageOf } from '../core/errors.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { FEATURE_LIST_HASH, assertNoLeakage } from '../core/ml/models/features.ts';
import { METADATA_FILE, METADATA_VERSION, type ModelMetadata, ONNX_FILE } from '../core/ml/models/metadata.ts';
import type { Progress } from '../core/progress.ts';
import type { Tracking } from '../core/tracking/index.ts';
import { engineOptions } from '../engine/duckdb/connection.ts';
import { writeModelCard } from '../evaluate/index.ts';
import { openLake } from '../lake/open.ts';
import { logModel, openTracking } from '../tracking/index.ts';
import { type Dataset, type DataSource, loadLakeDataset } from './data.ts';
import { type Fitted, fitAutoencoder, fitClassifier } from './fit.ts';
import { flatMetrics, plots, report } from './report.ts';
import { ScoringModel } from './scoring.ts';
import { type Split, concatDatasets, splitRows, subset } from './split.ts';

export interface TrainOptions {
  config: DfpConfig;
  /** Lake ref to read (default: the default branch head). */
  ref?: string;
  progress: Progress;
}

export interface TrainResult {
  run_id: string;
  model: 'autoencoder' | 'classifier';
  /** Test-split metrics at the calibrated threshold. */
  metrics: Record<string, unknown>;
  validation: Record<string, unknown>;
  artifacts: Record<string, string>;
  data: { ref: string; commit: string; table: string; digest: string; rows: number };
  split: { kind: string; train: number; validation: number; test: number; train_months: string[]; test_months: string[] };
  /**
   * epochs_run/best_epoch are the first member's; calibration says where the threshold and the validation metrics come
   * from: 'holdout' (the validation part) or 'crossfit' (out-of-fold scores of train + validation).
   */
  training: { epochs_run: number; best_epoch: number; stopped_early: boolean; seconds: number; train_rows: number; members: number; calibration: 'holdout' | 'crossfit' };
}

function months(d: Dataset): { from?: string; to?: string } {
  const m = d.month.filter((v): v is string => v !== null).sort();
  return m.length ? { from: m[0], to: m[m.length - 1] } : {};
}

function flatParams(config: DfpConfig): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (prefix: string, v: unknown): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, x);
    else out[prefix] = Array.isArray(v) ? JSON.stringify(v) : String(v);
  };
  walk('model', config.model);
  walk('train', config.train);
  return out;
}

export async function runTrain(o: TrainOptions): Promise<TrainResult> {
  const { config } = o;
  const kind = config.model.name;
  assertNoLeakage(FEATURE_COLUMNS);
  const lake = await openLake(config);
  let loaded: { data: Dataset; source: DataSource };
  try {
    loaded = await loadLakeDataset(lake, o.ref ?? config.lake.default_branch, config.train.table, engineOptions(config));
  } finally {
    await lake.close();
  }
  const { data, source } = loaded;
  const tc = config.train;
  const split = splitRows(data, {
    kind: tc.split,
    testFrom: tc.test_from,
    testMonths: tc.test_months,
    testFraction: tc.test_fraction,
    validationFraction: tc.validation_fraction,
    seed: tc.seed,
  });
  const train = subset(data, split.train);
  const validation = subset(data, split.validation);
  const test = subset(data, split.test);

  const tracking = await openTracking(config);
  try {
    const run = await tracking.createRun({ experiment: tc.experiment, runName: `${kind}-${source.commit.slice(0, 8)}`, tags: { 'dfp.model': kind, 'dfp.lake_commit': source.commit } });
    const runId = run.runId;
    try {
      const result = await trainRun(o, tracking, runId, { data, source, split, train, validation, test });
      await tracking.endRun(runId, 'FINISHED');
      return result;
    } catch (e) {
      await tracking.endRun(runId, 'FAILED').catch(() => undefined);
      throw e;
    }
  } finally {
    await tracking.close();
  }
}

interface Prepared {
  data: Dataset;
  source: DataSource;
  split: Split;
  train: Dataset;
  validation: Dataset;
  test: Dataset;
}

async function trainRun(o: TrainOptions, tracking: Tracking, runId: string, p: Prepared): Promise<TrainResult> {
  const { config } = o;
  const kind = config.model.name;
  const runDir = resolve(config.workspace, 'runs', runId);
  const modelDir = join(runDir, 'model');
  await mkdir(modelDir, { recursive: true });
  await tracking.logBatch(runId, { params: { ...flatParams(config), 'data.ref': p.source.ref, 'data.commit': p.source.commit, 'data.table': p.source.table } });
  const input = (context: string, rows: number) => ({ name: p.source.table, digest: p.source.digest, commit: p.source.commit, table: p.source.table, lake: p.source.location, context, rows });
  await tracking.logInputs(runId, [input('train', p.train.n), input('validation', p.validation.n), input('test', p.test.n)]);

  const fit = kind === 'autoencoder' ? fitAutoencoder : fitClassifier;
  const fitted: Fitted = await fit({
    config,
    train: p.train,
    validation: p.validation,
    progress: o.progress,
    checkpointDir: join(runDir, 'checkpoint'),
    onEpoch: async (r) => {
      const metrics = [
        { key: 'train_loss', value: r.train_loss, timestamp: Date.now(), step: r.epoch },
        { key: 'val_loss', value: r.val_loss, timestamp: Date.now(), step: r.epoch },
        ...(Number.isFinite(r.val_auc) ? [{ key: 'val_roc_auc', value: r.val_auc, timestamp: Date.now(), step: r.epoch }] : []),
      ];
      await tracking.logBatch(runId, { metrics });
    },
  });

  const metadata: ModelMetadata = {
    format_version: METADATA_VERSION,
    kind,
    input: { name: 'x', n_features: FEATURE_COLUMNS.length, feature_list_hash: FEATURE_LIST_HASH },
    outputs: kind === 'autoencoder' ? ['score', 'feature_error'] : ['score'],
    threshold: fitted.threshold,
    target_fpr: config.model.target_fpr,
    score: kind === 'autoencoder' ? 'reconstruction_loss' : 'probability',
    preprocess: fitted.pre,
    ...(fitted.errorStats ? { error_stats: fitted.errorStats, top_k: config.model.autoencoder.top_k } : {}),
    run_id: runId,
    data: { commit: p.source.commit, table: p.source.table, digest: p.source.digest, ref: p.source.ref },
    split: { kind: config.train.split, train_months: p.split.trainMonths, test_months: p.split.testMonths, validation_fraction: config.train.validation_fraction },
    seen_sha256: [...p.train.sha256, ...p.validation.sha256].sort(),
    created_at: new Date().toISOString(),
  };
  assertNoLeakage(metadata.preprocess.columns);
  const onnxPath = join(modelDir, ONNX_FILE);
  const metaPath = join(modelDir, METADATA_FILE);
  await writeFile(onnxPath, fitted.onnx);
  await writeFile(metaPath, `${JSON.stringify(metadata, null, 1)}\n`);

  // Evaluate through the exported files, exactly as `dfp evaluate` and the API will load them.
  const model = await ScoringModel.load(modelDir, { threads: config.train.threads });
  let testReport;
  let valReport;
  let plotPaths;
  try {
    const testScores = (await model.score(p.test.x)).score;
    // Cross-fitted models saw every validation row in some member: their validation numbers are the out-of-fold ones.
    valReport = fitted.outOfFold
      ? report(concatDatasets(p.train, p.validation), fitted.outOfFold, fitted.threshold)
      : report(p.validation, (await model.score(p.validation.x)).score, fitted.threshold);
    testReport = p.test.n > 0 ? report(p.test, testScores, fitted.threshold) : undefined;
    plotPaths = p.test.n > 0 ? await plots(join(modelDir, 'plots'), p.test, testScores, fitted.threshold, `${kind}, test split`) : undefined;
  } finally {
    await model.release();
  }
  const card = join(modelDir, 'model_card.md');
  const rel = (f: string | undefined) => (f ? relative(modelDir, f) : undefined);
  await writeModelCard(card, {
    name: `dfp-${kind}`,
    kind,
    runId,
    dataCommit: p.source.commit,
    config: { model: config.model, train: config.train },
    metrics: { ...(testReport ? { test: testReport.metrics } : {}), validation: valReport.metrics },
    perGroup: testReport ? { family: testReport.perGroup.family, category: testReport.perGroup.category } : undefined,
    plots: plotPaths
      ? { roc_png: rel(plotPaths.roc_png), roc_svg: rel(plotPaths.roc_svg), pr_png: rel(plotPaths.pr_png), pr_svg: rel(plotPaths.pr_svg), hist_png: rel(plotPaths.hist_png), hist_svg: rel(plotPaths.hist_svg) }
      : undefined,
    featureCount: FEATURE_COLUMNS.length,
    featureHash: FEATURE_LIST_HASH,
    trainedOn: {
      source: `lake table ${p.source.table} @ ${p.source.ref} (${p.source.commit.slice(0, 12)})`,
      splitKind:
        (config.train.split === 'time' ? `time: test from ${p.split.testMonths[0] ?? '?'}; validation ${config.train.validation_fraction} of the earlier months, stratified` : `stratified, seed ${config.train.seed}`) +
        (fitted.outOfFold ? `; cross-fitted: ${config.model.classifier.folds} stratified folds over train + validation, one member per fold, calibrated and reported on out-of-fold scores` : ''),
      splits: {
        train: { rows: p.train.n, malware: p.train.y.reduce((a, b) => a + b, 0), ...months(p.train) },
        validation: { rows: p.validation.n, malware: p.validation.y.reduce((a, b) => a + b, 0), ...months(p.validation) },
        test: { rows: p.test.n, malware: p.test.y.reduce((a, b) => a + b, 0), ...months(p.test) },
      },
      at: metadata.created_at,
    },
    limits: kind === 'autoencoder' ? ['One-class: trained on benign apps only, so it flags what is unusual, which is not always malicious.'] : undefined,
  });

  const final = testReport?.metrics ?? valReport.metrics;
  const scalar = (prefix: string, m: typeof final) =>
    (['roc_auc', 'pr_auc', 'precision', 'recall', 'f1', 'fpr'] as const)
      .filter((k) => Number.isFinite(m[k]))
      .map((k) => ({ key: `${prefix}_${k}`, value: m[k], timestamp: Date.now(), step: fitted.loop.history.length }));
  await tracking.logBatch(runId, {
    metrics: [...(testReport ? scalar('test', testReport.metrics) : []), ...scalar('validation', valReport.metrics), { key: 'threshold', value: fitted.threshold, timestamp: Date.now(), step: 0 }],
    params: { 'model.best_epoch': fitted.loop.bestEpoch, ...Object.fromEntries(Object.entries(fitted.details).map(([k, v]) => [`fit.${k}`, v])) },
  });
  const plotFiles = plotPaths ? Object.values(plotPaths) : [];
  let logged;
  try {
    logged = await logModel(tracking, runId, { onnx: onnxPath, preprocessing: metaPath, modelCard: card, plots: plotFiles }, { artifactPath: 'model', metadata: { dfp_kind: kind, threshold: fitted.threshold } });
  } catch (e) {
    throw new DfpError('STORAGE', `could not log the model of run ${runId} to ${tracking.location}: ${messageOf(e)}`, { run_id: runId }, { cause: e });
  }
  await rm(join(runDir, 'checkpoint'), { recursive: true, force: true });
  return {
    run_id: runId,
    model: kind,
    metrics: flatMetrics(final),
    validation: flatMetrics(valReport.metrics),
    artifacts: {
      onnx: onnxPath,
      preprocessing: metaPath,
      model_card: card,
      model_dir: modelDir,
      model_uri: logged.modelUri,
      ...(plotPaths ?? {}),
    },
    data: { ref: p.source.ref, commit: p.source.commit, table: p.source.table, digest: p.source.digest, rows: p.data.n },
    split: { kind: config.train.split, train: p.train.n, validation: p.validation.n, test: p.test.n, train_months: p.split.trainMonths, test_months: p.split.testMonths },
    training: {
      epochs_run: fitted.loop.history.length,
      best_epoch: fitted.loop.bestEpoch,
      stopped_early: fitted.loop.stoppedEarly,
      seconds: Math.round(fitted.loop.seconds * 100) / 100,
      train_rows: fitted.trainRows,
      members: typeof fitted.details.members === 'number' ? fitted.details.members : 1,
      calibration: fitted.outOfFold ? 'crossfit' : 'holdout',
    },
  };
}
