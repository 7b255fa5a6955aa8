// The per-model steps of `dfp run`: train, evaluate on the test split, register with champion/challenger, export.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DfpConfig } from '../../core/config/schema.ts';
import { DfpError, isDfpError } from '../../core/errors.ts';
import { resolveExportModel, runExport } from '../../export/index.ts';
import { DFP_VERSION } from '../../export/version.ts';
import type { ObjectLake } from '../../lake/repository.ts';
import { championChallenger, fetchModel, openTracking, registerModel } from '../../tracking/index.ts';
import type { ModelVersion, Tracking } from '../../tracking/index.ts';
import { isModelDir } from '../../runtime/model-dir.ts';
import { openModel } from '../../runtime/open.ts';
import { flatMetrics, report } from '../../train/report.ts';
import { runTrain } from '../../train/run.ts';
import type { PipelineEnv } from '../env.ts';
import { stepKey } from '../hash.ts';
import type { StepSpec } from '../runner.ts';
import type { ChampionSummary } from '../types.ts';
import { retrainDecision } from './retrain-policy.ts';
import { splitConfig, testSet } from './testset.ts';

export interface ModelPlan {
  /** Registered model name, e.g. kronodroid_detector. */
  name: string;
  kind: 'autoencoder' | 'classifier';
  /** Suffix of its step names (train_<step>, …). */
  step: string;
  /** Trained without the system-call columns (staticOnlyPlan). */
  staticOnly: boolean;
  config: DfpConfig;
  /** Trained instead when `config` is refused by the data (INPUT_INVALID: too few rows for trees …). */
  fallback?: DfpConfig;
}

/** The config without the system-call columns: model.exclude_features gains @syscalls. */
function withoutSyscalls(config: DfpConfig): DfpConfig {
  const exclude = config.model.exclude_features.includes('@syscalls') ? config.model.exclude_features : [...config.model.exclude_features, '@syscalls'];
  return { ...config, model: { ...config.model, exclude_features: exclude } };
}

/**
 * The same training without the system-call columns: preprocessing zeroes them inside the graph, the classifier's
 * derived call features drop out and trees never split on them, and the model's metadata says static_only. Its score
 * cannot depend on a system-call input: it scores apps known from their APK alone.
 * `model.classifier.kind=auto` becomes trees: on the real 2019 subset's test months the static-only tree detector has
 * ROC-AUC 0.983, PR-AUC 0.932 and F1 0.54 in about 6 s of CPU, while auto's time-forward selection takes about 44 s to
 * pick a blend with 0.982, 0.908 and 0.51 (the MLP alone: 0.973). Data too small for trees (fewer rows than two
 * leaves need) trains the preset's kind instead (`fallback`). A kind given explicitly is kept.
 */
export function staticOnlyPlan(config: DfpConfig): { config: DfpConfig; fallback?: DfpConfig } {
  const preset = withoutSyscalls(config);
  if (preset.model.classifier.kind !== 'auto') return { config: preset };
  return { config: { ...preset, model: { ...preset.model, classifier: { ...preset.model.classifier, kind: 'trees' } } }, fallback: preset };
}

export interface Champion {
  metric: string;
  higherIsBetter: boolean;
  /** How much better the candidate must be (retrain.margin). */
  margin?: number;
}

export type TrainOut = {
  run_id: string;
  model_dir: string;
  model_uri: string;
  metrics: Record<string, unknown>;
  rows: number;
  /** Why a challenger was (or was not) fitted: retrain.when's decision. */
  retrain: { trained: boolean; reason: string };
  /** Set when retrain.when kept production: the version standing in for a candidate. */
  kept_version?: string;
};

export function trainStep(env: PipelineEnv, m: ModelPlan, dataCommit: string, tableHash: string): StepSpec<TrainOut> {
  return {
    key: stepKey({ step: 'train', dfp: DFP_VERSION, data_commit: dataCommit, table: tableHash, model: m.config.model, train: m.config.train, retrain: m.config.retrain }),
    valid: (o) => (o.kept_version ? true : isModelDir(o.model_dir)),
    run: async () => {
      const policy = await withTracking(m.config, (t) => retrainDecision(env.lake, t, m.config, m.name, dataCommit));
      if (!policy.due) {
        env.log(`  ${m.name}: ${policy.reason}`);
        const p = policy.production;
        return { run_id: p.runId ?? '', model_dir: '', model_uri: `models:/${m.name}/${p.version}`, metrics: {}, rows: 0, retrain: { trained: false, reason: policy.reason }, kept_version: p.version };
      }
      const retrain = { trained: true, reason: policy.reason };
      const train = async (config: DfpConfig): Promise<TrainOut> => {
        const r = await runTrain({ config, ref: dataCommit, progress: env.progress });
        return { run_id: r.run_id, model_dir: r.artifacts.model_dir ?? '', model_uri: r.artifacts.model_uri ?? '', metrics: r.metrics, rows: r.data.rows, retrain };
      };
      try {
        return await train(m.config);
      } catch (e) {
        if (!m.fallback || !isDfpError(e) || e.code !== 'INPUT_INVALID') throw e;
        env.log(`  ${m.name}: ${e.message}; trained with model.classifier.kind=${m.fallback.model.classifier.kind} instead`);
        return train(m.fallback);
      }
    },
  };
}

/** Metrics of a model (a run id or model URI) on the test split of the data commit. */
async function scoreOnTest(lake: ObjectLake, config: DfpConfig, dataCommit: string, spec: string): Promise<Record<string, unknown>> {
  const test = await testSet(lake, config, dataCommit);
  if (test.n === 0) throw new DfpError('INPUT_INVALID', `the test split of ${dataCommit.slice(0, 12)} is empty; check train.split / train.test_from / train.test_months`);
  const { model, cleanup } = await openModel(config, spec);
  try {
    const scores = (await model.score(test.x)).scores;
    return flatMetrics(report(test, scores, model.metadata.threshold).metrics);
  } finally {
    await model.close();
    await cleanup();
  }
}

export type EvaluateOut = { metrics: Record<string, unknown> };

export function evaluateStep(env: PipelineEnv, m: ModelPlan, dataCommit: string, train: TrainOut): StepSpec<EvaluateOut> {
  return {
    key: stepKey({ step: 'evaluate', run_id: train.run_id, kept: train.kept_version ?? null, data_commit: dataCommit, table: m.config.train.table, split: splitConfig(m.config) }),
    run: async () => ({ metrics: await scoreOnTest(env.lake, m.config, dataCommit, train.kept_version ? train.model_uri : train.run_id) }),
  };
}

async function withTracking<T>(config: DfpConfig, fn: (t: Tracking) => Promise<T>): Promise<T> {
  const t = await openTracking(config);
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

/** The version already registered from this run, so a re-run after a failure never registers twins. */
async function versionOfRun(t: Tracking, name: string, runId: string): Promise<ModelVersion | undefined> {
  const versions = await t.listModelVersions(name).catch(() => [] as ModelVersion[]);
  return versions.find((v) => v.runId === runId);
}

export type RegisterOut = { version: string; champion: ChampionSummary };

/** Metrics where a smaller value is the better model. */
const LOWER_IS_BETTER = new Set(['fpr', 'loss', 'val_loss']);

/**
 * The champion rule of `dfp run` and `dfp train --register`: the metric given, else orchestration.champion_metric
 * (the older key), else retrain.metric (roc_auc by default); the challenger must win by more than retrain.margin.
 */
export function championRule(config: DfpConfig, metric?: string): Champion {
  const configured = (config.orchestration as Record<string, unknown>).champion_metric;
  const name = metric ?? (typeof configured === 'string' ? configured : config.retrain.metric);
  return { metric: name, higherIsBetter: !LOWER_IS_BETTER.has(name), margin: config.retrain.margin };
}

/**
 * Registers a trained run as a version of `m.name` (once: a retry finds the version it made) with alias `candidate`,
 * and moves `production` to it only when it beats the production version on the same test rows (re-scored here).
 * `metrics` are the candidate's on the test split of `dataCommit`. The one registration path of `dfp run` and
 * `dfp train --register`, so both leave the registry in the same state.
 */
export async function registerCandidate(
  lake: ObjectLake,
  m: Pick<ModelPlan, 'name' | 'kind' | 'config'>,
  dataCommit: string,
  train: Pick<TrainOut, 'run_id' | 'model_uri'>,
  metrics: Record<string, unknown>,
  c: Champion,
  log: (line: string) => void,
): Promise<RegisterOut> {
  if (!(c.metric in metrics)) throw new DfpError('CONFIG_INVALID', `champion metric '${c.metric}' is not one the evaluation reports (${Object.keys(metrics).join(', ')})`);
  return withTracking(m.config, async (t) => {
    const cand = (await versionOfRun(t, m.name, train.run_id)) ?? (await registerModel(t, m.name, train.model_uri, { tags: { 'dfp.kind': m.kind, 'dfp.data_commit': dataCommit } }));
    const candidateValue = Number(metrics[c.metric]);
    const prod = await t.getVersionByAlias(m.name, 'production');
    let productionValue: number | undefined;
    if (prod && prod.version !== cand.version) {
      // The champion is re-scored on this run's test rows: numbers from its own run came from other data.
      const spec = prod.runId && isModelDir(join(m.config.workspace, 'runs', prod.runId, 'model')) ? prod.runId : `models:/${m.name}/${prod.version}`;
      productionValue = Number((await scoreOnTest(lake, m.config, dataCommit, spec))[c.metric]);
    }
    const d = await championChallenger(t, { name: m.name, candidate: cand.version, metric: c.metric, higherIsBetter: c.higherIsBetter, margin: c.margin ?? 0, candidateValue, ...(productionValue === undefined ? {} : { productionValue }) });
    log(`  ${m.name}: candidate v${d.candidate.version} ${c.metric}=${fmt(d.candidate.value)}, production ${d.production ? `v${d.production.version} ${c.metric}=${fmt(d.production.value)}` : 'none'} → ${d.promoted ? 'promoted to production' : 'production kept'} (${d.reason})`);
    return {
      version: cand.version,
      champion: {
        metric: c.metric,
        higher_is_better: c.higherIsBetter,
        candidate_value: d.candidate.value,
        production_version: d.production?.version ?? null,
        production_value: d.production?.value ?? null,
        promoted: d.promoted,
        reason: d.reason,
      },
    };
  });
}

export function registerStep(env: PipelineEnv, m: ModelPlan, dataCommit: string, train: TrainOut, evaluated: EvaluateOut, c: Champion): StepSpec<RegisterOut> {
  return {
    key: stepKey({ step: 'register', name: m.name, run_id: train.run_id, kept: train.kept_version ?? null, metric: c.metric, higher: c.higherIsBetter, margin: c.margin ?? 0, data_commit: dataCommit, split: splitConfig(m.config) }),
    valid: (o) => withTracking(m.config, async (t) => (await t.getModelVersion(m.name, o.version)).runId === train.run_id),
    run: async () => (train.kept_version ? keptProduction(m, train, evaluated.metrics, c) : registerCandidate(env.lake, m, dataCommit, train, evaluated.metrics, c, env.log)),
  };
}

/** No challenger this run (retrain.when): nothing is registered; production's numbers on the newest test months are reported. */
function keptProduction(m: Pick<ModelPlan, 'name'>, train: TrainOut, metrics: Record<string, unknown>, c: Champion): RegisterOut {
  const value = Number(metrics[c.metric]);
  return {
    version: train.kept_version as string,
    champion: {
      metric: c.metric,
      higher_is_better: c.higherIsBetter,
      candidate_value: null,
      production_version: train.kept_version as string,
      production_value: Number.isFinite(value) ? value : null,
      promoted: false,
      reason: `no challenger: ${train.retrain.reason}`,
    },
  };
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : String(v));

export type ExportOut = { version: string; run_id: string; onnx: string; tflite: string };

/** Exports the production version (what ships); the candidate when nothing is in production. */
export async function exportStep(env: PipelineEnv, m: ModelPlan, registered: RegisterOut, train: TrainOut): Promise<StepSpec<ExportOut>> {
  const prod = await withTracking(m.config, (t) => t.getVersionByAlias(m.name, 'production'));
  const version = prod?.version ?? registered.version;
  const runId = prod?.runId ?? train.run_id;
  return {
    key: stepKey({ step: 'export', dfp: DFP_VERSION, name: m.name, version, run_id: runId }),
    valid: (o) => existsSync(o.onnx) && existsSync(o.tflite),
    run: async () => {
      const outDir = join(m.config.workspace, 'exports', m.name, `v${version}`);
      mkdirSync(outDir, { recursive: true });
      const local = join(m.config.workspace, 'runs', runId, 'model');
      const scratch = mkdtempSync(join(m.config.workspace, 'tmp-export-'));
      try {
        const dir = isModelDir(local) ? local : (await withTracking(m.config, (t) => fetchModel(t, `models:/${m.name}/${version}`, scratch))).dir;
        const src = await resolveExportModel(dir);
        const onnx = await runExport({ onnxPath: src.onnxPath, format: 'onnx', outDir, name: m.name, rows: 8, metadata: src.metadata });
        const tflite = await runExport({ onnxPath: src.onnxPath, format: 'tflite', outDir, name: m.name, rows: 8, metadata: src.metadata });
        return { version, run_id: runId, onnx: onnx.path, tflite: tflite.path };
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  };
}
