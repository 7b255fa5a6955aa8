// `dfp train` end to end: lake data at a ref → split → fit → calibrate → test evaluation → artifacts and tracking run.
// SIGINT/SIGTERM end the run KILLED with its checkpoint kept, and `--resume <run_id>` continues from that checkpoint.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError, messageOf } from '../core/errors.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { FEATURE_LIST_HASH, assertNoLeakage, isStaticOnly } from '../core/ml/models/features.ts';
import { METADATA_VERSION, type ModelMetadata } from '../core/ml/models/metadata.ts';
import type { Progress } from '../core/progress.ts';
import type { Run, Tracking } from '../core/tracking/index.ts';
import { engineOptions } from '../engine/duckdb/connection.ts';
import { writeModelCard } from '../evaluate/index.ts';
import { openLake } from '../lake/open.ts';
import { LOCAL_ID_TAG, logModel, openTracking, ownerState } from '../tracking/index.ts';
import { modelPaths, writeModelDir } from '../runtime/model-dir.ts';
import { Scorer } from '../runtime/scorer.ts';
import { type Dataset, type DataSource, loadLakeDataset } from './data.ts';
import { type Fitted, fitAutoencoder } from './fit.ts';
import { type DetectorFit, fitClassifier } from './fit-detector.ts';
import { checkInterrupted, watchInterrupts } from './interrupt.ts';
import type { Selection } from './time-forward.ts';
import { flatMetrics, plots, report } from './report.ts';
import { type Split, concatDatasets, splitRows, subset } from './split.ts';

export interface TrainOptions {
  config: DfpConfig;
  /** Lake ref to read (default: the default branch head). */
  ref?: string;
  progress: Progress;
  /** Id of a KILLED or FAILED run to continue from its checkpoint (same data commit, same model and train settings). */
  resume?: string;
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
  /** Classifiers: the learner, and with kind=auto the time-forward comparison that chose it. */
  detector?: { kind: string; selection?: Selection };
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
  const tracking = await openTracking(config);
  try {
    // A resumed run reads the data commit of the run it continues, so that is settled before the data is read.
    const resume = o.resume === undefined ? undefined : await resumePoint(tracking, o);
    const lake = await openLake(config);
    let loaded: { data: Dataset; source: DataSource };
    try {
      loaded = await loadLakeDataset(lake, resume?.commit ?? o.ref ?? config.lake.default_branch, config.train.table, engineOptions(config));
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
      trainWindow: config.retrain.window,
    });
    const train = subset(data, split.train);
    const validation = subset(data, split.validation);
    const test = subset(data, split.test);

    // From here on a signal ends the run KILLED instead of leaving it RUNNING (interrupt.ts).
    const interrupt = watchInterrupts(`training of the ${kind}`);
    let runId = '';
    try {
      const run = await tracking.createRun({
        experiment: tc.experiment,
        runName: `${kind}-${source.commit.slice(0, 8)}`,
        tags: { 'dfp.model': kind, 'dfp.lake_commit': source.commit, ...(resume ? { 'dfp.resumed_from': resume.runId } : {}) },
      });
      runId = run.runId;
      const result = await trainRun(o, tracking, runId, { data, source, split, train, validation, test }, interrupt.signal, resume?.checkpointDir);
      await tracking.endRun(runId, 'FINISHED');
      // The interrupted run's checkpoint is superseded by this run's model.
      if (resume) await rm(resume.checkpointDir, { recursive: true, force: true });
      return result;
    } catch (e) {
      if (!runId) throw e;
      if (interrupt.signal.aborted) throw await endKilled(tracking, config, runId, interrupt.signal.reason as DfpError);
      await tracking.endRun(runId, 'FAILED').catch(() => undefined);
      throw e;
    } finally {
      interrupt.dispose();
    }
  } finally {
    await tracking.close();
  }
}

/** Where a run keeps its model and checkpoint while it trains. */
function runDirOf(config: DfpConfig, runId: string): string {
  return resolve(config.workspace, 'runs', runId);
}

/** Ends an interrupted run KILLED and returns the error that says so, where the checkpoint is and how to resume. */
async function endKilled(tracking: Tracking, config: DfpConfig, runId: string, reason: DfpError): Promise<DfpError> {
  const signal = String(reason.details?.signal ?? 'a signal');
  const checkpoint = join(runDirOf(config, runId), 'checkpoint');
  let marked = `run ${runId} is marked KILLED in ${tracking.location}`;
  try {
    await tracking.logBatch(runId, { tags: { 'dfp.end_reason': `interrupted by ${signal}` } });
    await tracking.endRun(runId, 'KILLED');
  } catch (e) {
    marked = `run ${runId} could not be marked KILLED (${messageOf(e)}); \`dfp runs list\` marks it FAILED once this process is gone`;
  }
  const index = join(checkpoint, 'checkpoint.json');
  const epoch = existsSync(index) ? (JSON.parse(readFileSync(index, 'utf8')) as { epoch?: number }).epoch : undefined;
  const kept = existsSync(checkpoint) ? `its last checkpoint${epoch === undefined ? 's' : ` (epoch ${epoch})`} ${epoch === undefined ? 'are' : 'is'} kept in ${checkpoint}` : 'it had no checkpoint yet';
  const resume = `dfp train --resume ${runId}`;
  return new DfpError(
    'INTERRUPTED',
    `training interrupted by ${signal}: ${marked}; ${kept}; continue it with \`${resume}\` and the same overrides`,
    { signal, run_id: runId, status: 'KILLED', checkpoint, ...(epoch === undefined ? {} : { epoch }), resume },
    { cause: reason },
  );
}

/** Settings a resumed run may change: how long it goes on and how many threads it uses. */
const RESUMABLE_CHANGES = new Set(['train.epochs', 'train.patience', 'train.threads', 'train.workers', 'train.experiment']);

/** Checks that `o.resume` names an interrupted run this config can continue; returns its checkpoint and data commit. */
async function resumePoint(tracking: Tracking, o: TrainOptions): Promise<{ runId: string; checkpointDir: string; commit: string }> {
  const id = o.resume as string;
  const prev: Run = await tracking.getRun(id);
  const status = prev.info.status;
  if (status === 'FINISHED') throw new DfpError('USAGE', `run ${id} finished; there is nothing to resume (its model is at runs:/${prev.info.runId}/model)`, { run_id: id });
  if (status === 'RUNNING' && ownerState(prev.tags) !== 'gone') {
    throw new DfpError('CONFLICT', `run ${id} is still RUNNING (process ${prev.tags['dfp.owner.pid'] ?? '?'} on ${prev.tags['dfp.owner.host'] ?? '?'}); stop it first (SIGINT or SIGTERM marks it KILLED)`, { run_id: id });
  }
  if (o.ref !== undefined) throw new DfpError('USAGE', `--ref cannot be combined with --resume: a resumed run reads the data commit of run ${id}`);
  const commit = prev.params['data.commit'];
  if (!commit) throw new DfpError('NOT_FOUND', `run ${id} has no data.commit param; only runs of \`dfp train\` can be resumed`, { run_id: id });
  const now = flatParams(o.config);
  const differ = Object.entries(now).filter(([k, v]) => !RESUMABLE_CHANGES.has(k) && prev.params[k] !== undefined && prev.params[k] !== v);
  if (differ.length) {
    const was = differ.map(([k]) => (k === 'model.name' ? `model=${prev.params[k]}` : `${k}=${prev.params[k]}`));
    throw new DfpError(
      'CONFIG_INVALID',
      `run ${id} was trained with other settings: ${differ.map(([k, v]) => `${k} was ${prev.params[k]} (now ${v})`).join(', ')}; resume with the same overrides, e.g. \`dfp train --resume ${id} ${was.join(' ')}\``,
      { run_id: id, keys: differ.map(([k]) => k) },
    );
  }
  const candidates = [id, prev.info.runId, prev.tags[LOCAL_ID_TAG]].filter((x): x is string => Boolean(x)).map((r) => join(runDirOf(o.config, r), 'checkpoint'));
  const checkpointDir = candidates.find((d) => existsSync(join(d, 'checkpoint.json')) || existsSync(d));
  if (!checkpointDir) throw new DfpError('NOT_FOUND', `run ${id} left no checkpoint in ${candidates[0]}; train afresh with \`dfp train\``, { run_id: id });
  if (status === 'RUNNING') await tracking.endRun(prev.info.runId, 'FAILED'); // its process is gone (src/tracking/stale.ts)
  return { runId: prev.info.runId, checkpointDir, commit };
}

interface Prepared {
  data: Dataset;
  source: DataSource;
  split: Split;
  train: Dataset;
  validation: Dataset;
  test: Dataset;
}

async function trainRun(o: TrainOptions, tracking: Tracking, runId: string, p: Prepared, signal: AbortSignal, resumeDir: string | undefined): Promise<TrainResult> {
  const { config } = o;
  const kind = config.model.name;
  const runDir = runDirOf(config, runId);
  const modelDir = join(runDir, 'model');
  await mkdir(modelDir, { recursive: true });
  await tracking.logBatch(runId, { params: { ...flatParams(config), 'data.ref': p.source.ref, 'data.commit': p.source.commit, 'data.table': p.source.table } });
  const input = (context: string, rows: number) => ({ name: p.source.table, digest: p.source.digest, commit: p.source.commit, table: p.source.table, lake: p.source.location, context, rows });
  await tracking.logInputs(runId, [input('train', p.train.n), input('validation', p.validation.n), input('test', p.test.n)]);

  const fit: (f: Parameters<typeof fitAutoencoder>[0]) => Promise<Fitted & Partial<DetectorFit>> = kind === 'autoencoder' ? fitAutoencoder : fitClassifier;
  const fitted = await fit({
    config,
    train: p.train,
    validation: p.validation,
    progress: o.progress,
    checkpointDir: join(runDir, 'checkpoint'),
    signal,
    resumeDir,
    onEpoch: async (r) => {
      const metrics = [
        { key: 'train_loss', value: r.train_loss, timestamp: Date.now(), step: r.epoch },
        { key: 'val_loss', value: r.val_loss, timestamp: Date.now(), step: r.epoch },
        ...(Number.isFinite(r.val_auc) ? [{ key: 'val_roc_auc', value: r.val_auc, timestamp: Date.now(), step: r.epoch }] : []),
      ];
      await tracking.logBatch(runId, { metrics });
    },
  });

  checkInterrupted(signal); // between fitting and the exported model: the checkpoint is still whole
  const metadata: ModelMetadata = {
    format_version: METADATA_VERSION,
    kind,
    input: { name: 'x', n_features: FEATURE_COLUMNS.length, feature_list_hash: FEATURE_LIST_HASH },
    outputs: kind === 'autoencoder' ? ['score', 'feature_error'] : ['score'],
    threshold: fitted.threshold,
    target_fpr: config.model.target_fpr,
    score: kind === 'autoencoder' ? 'reconstruction_loss' : 'probability',
    preprocess: fitted.pre,
    static_only: isStaticOnly(fitted.pre.active),
    ...(fitted.errorStats ? { error_stats: fitted.errorStats, top_k: config.model.autoencoder.top_k } : {}),
    ...(fitted.detector ? { detector: fitted.detector } : {}),
    ...(fitted.trees ? { trees: fitted.trees } : {}),
    run_id: runId,
    data: { commit: p.source.commit, table: p.source.table, digest: p.source.digest, ref: p.source.ref },
    split: { kind: config.train.split, train_months: p.split.trainMonths, test_months: p.split.testMonths, validation_fraction: config.train.validation_fraction },
    seen_sha256: [...p.train.sha256, ...p.validation.sha256].sort(),
    created_at: new Date().toISOString(),
  };
  assertNoLeakage(metadata.preprocess.columns);
  const { onnx: onnxPath, metadata: metaPath } = await writeModelDir(modelDir, fitted.onnx, metadata);

  // Evaluate through the exported files, exactly as `dfp evaluate` and the API will load them.
  const model = await Scorer.load(modelDir, { threads: config.train.threads });
  let testReport;
  let valReport;
  let plotPaths;
  try {
    const testScores = (await model.score(p.test.x)).scores;
    // Cross-fitted models saw every validation row in some member: their validation numbers are the out-of-fold ones.
    valReport = fitted.outOfFold
      ? report(concatDatasets(p.train, p.validation), fitted.outOfFold, fitted.threshold)
      : report(p.validation, (await model.score(p.validation.x)).scores, fitted.threshold);
    testReport = p.test.n > 0 ? report(p.test, testScores, fitted.threshold) : undefined;
    plotPaths = p.test.n > 0 ? await plots(modelPaths(modelDir).plots, p.test, testScores, fitted.threshold, `${kind}, test split`) : undefined;
  } finally {
    await model.close();
  }
  const card = modelPaths(modelDir).card;
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
    ...(fitted.selection ? { selection: selectionSection(fitted.selection) } : {}),
  });

  const final = testReport?.metrics ?? valReport.metrics;
  const scalar = (prefix: string, m: typeof final) =>
    (['roc_auc', 'pr_auc', 'precision', 'recall', 'f1', 'fpr'] as const)
      .filter((k) => Number.isFinite(m[k]))
      .map((k) => ({ key: `${prefix}_${k}`, value: m[k], timestamp: Date.now(), step: fitted.loop.history.length }));
  await tracking.logBatch(runId, {
    metrics: [
      ...(fitted.selection?.candidates ?? []).flatMap((c) =>
        (['roc_auc', 'f1', 'recall', 'fpr'] as const).filter((k) => Number.isFinite(c.summary[k])).map((k) => ({ key: `selection_${c.model}_${k}`, value: c.summary[k], timestamp: Date.now(), step: 0 })),
      ),
      ...(testReport ? scalar('test', testReport.metrics) : []), ...scalar('validation', valReport.metrics), { key: 'threshold', value: fitted.threshold, timestamp: Date.now(), step: 0 }],
    params: {
      'model.best_epoch': fitted.loop.bestEpoch,
      ...Object.fromEntries(Object.entries(fitted.details).map(([k, v]) => [`fit.${k}`, v])),
      ...(fitted.selection ? { 'selection.chosen': fitted.selection.chosen, 'selection.origins': fitted.selection.origins.join(',') } : {}),
    },
  });
  checkInterrupted(signal);
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
    ...(fitted.detector ? { detector: { kind: fitted.detector, ...(fitted.selection ? { selection: fitted.selection } : {}) } } : {}),
    split: { kind: config.train.split, train: p.train.n, validation: p.validation.n, test: p.test.n, train_months: p.split.trainMonths, test_months: p.split.testMonths },
    training: {
      epochs_run: fitted.loop.history.length,
      best_epoch: fitted.loop.bestEpoch,
      stopped_early: fitted.loop.stoppedEarly,
      seconds: Math.round(fitted.loop.seconds * 100) / 100,
      train_rows: fitted.trainRows,
      members: typeof fitted.details.members === 'number' ? fitted.details.members : typeof fitted.details.mlp_members === 'number' ? fitted.details.mlp_members : 1,
      calibration: fitted.outOfFold ? 'crossfit' : 'holdout',
    },
  };
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : 'n/a');

/** The model card's account of the time-forward comparison that chose the detector kind. */
function selectionSection(s: Selection): NonNullable<Parameters<typeof writeModelCard>[1]['selection']> {
  const text = s.fallback
    ? `Detector kind: **${s.chosen}**. The time-forward protocol could not run: ${s.fallback}.`
    : `Detector kind: **${s.chosen}**, chosen by the time-forward protocol on the training months (rolling origin by month: each origin month ` +
      `${s.origins.join(', ')} scored by a model fitted on the months before it, threshold from those months' held-out scores), ranked by pooled ${s.metric}. ` +
      'The test months were not read.';
  return {
    heading: 'Detector selection',
    text,
    header: ['Candidate', 'Apps', 'Malware', 'ROC-AUC (pooled)', 'F1', 'Recall', 'FPR', 'Mean monthly ROC-AUC'],
    rows: s.candidates.map((c) => [c.model === s.chosen ? `**${c.model}**` : c.model, c.summary.n, c.summary.malware, f3(c.summary.roc_auc), f3(c.summary.f1), f3(c.summary.recall), f3(c.summary.fpr), f3(c.summary.mean_roc_auc)]),
  };
}
