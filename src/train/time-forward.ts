// The time-forward protocol (rolling origin by month): for each origin month m, fit exactly as `dfp train` fits on the
// months before m (threshold from those months' own held-out scores), then score month m, which no fit saw. Malware
// drifts, so this is how a detector is judged: on later months than it trained on. It chooses the detector kind
// (model.classifier.kind=auto), reports beside the family-grouped folds of `dfp crossval`, and is `dfp backtest`.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError } from '../core/errors.ts';
import { type Confusion, confusionAt, metricsFromConfusion, prAuc, rocAuc } from '../core/ml/eval/index.ts';
import type { DetectorKind } from '../core/ml/models/metadata.ts';
import { mulberry32 } from '../core/ml/prng.ts';
import { type Progress, silentProgress } from '../core/progress.ts';
import { ModelSession } from '../runtime/session.ts';
import type { Dataset } from './data.ts';
import { type Fitted, fitAutoencoder, fitMlp } from './fit.ts';
import { blendFits } from './fit-detector.ts';
import { fitTrees } from './fit-trees.ts';
import { runJobs, workerCount } from './parallel/pool.ts';
import { stratified, subset } from './split.ts';

/** What the protocol can judge: the detector kinds, and the one-class fingerprint model. */
export type ProtocolModel = DetectorKind | 'autoencoder';

export interface MonthResult {
  month: string;
  n: number;
  malware: number;
  /** NaN when the month has one class only. */
  roc_auc: number;
  f1: number;
  recall: number;
  fpr: number;
  precision: number;
  threshold: number;
  /** Apps (and malware) of the months before it, the fit's data. */
  train_rows: number;
  train_malware: number;
}

export interface ProtocolSummary {
  months: number;
  n: number;
  malware: number;
  /** Every origin month pooled, each app flagged at its own month's threshold; ROC-AUC over the pooled scores. */
  roc_auc: number;
  pr_auc: number;
  f1: number;
  recall: number;
  fpr: number;
  precision: number;
  /** Unweighted mean over the months where it is defined. */
  mean_roc_auc: number;
}

export interface ModelResult {
  model: ProtocolModel;
  months: MonthResult[];
  summary: ProtocolSummary;
}

export interface Selection {
  protocol: 'time-forward';
  metric: 'f1' | 'roc_auc' | 'pr_auc';
  origins: string[];
  candidates: ModelResult[];
  chosen: DetectorKind;
  /** Set when the protocol could not run (too few dated malware): the first candidate was taken, and why. */
  fallback?: string;
  /** Origin months left out because a fit refused their data, and why. */
  skipped?: { month: string; reason: string }[];
  seconds: number;
}

export interface ProtocolOptions {
  progress?: Progress;
  signal?: AbortSignal;
  /** The origin months (default: originMonths with the selection settings). */
  origins?: string[];
}

/**
 * Origin months: months with apps whose earlier months hold at least `minMalware` malware and which have both a benign
 * app and a malware app to judge (a month without malware still counts toward false positives, but cannot rank).
 * The latest `max` of them (all when undefined).
 */
export function originMonths(d: Dataset, o: { max?: number; minMalware: number }): string[] {
  const months = [...new Set(d.month.filter((m): m is string => m !== null))].sort();
  const out = months.filter((m) => {
    let before = 0;
    let mal = 0;
    let ben = 0;
    for (let i = 0; i < d.n; i++) {
      const mi = d.month[i];
      if (mi === null || mi === undefined) continue;
      if (mi < m && d.y[i]) before++;
      if (mi === m && d.y[i]) mal++;
      else if (mi === m) ben++;
    }
    return before >= o.minMalware && mal > 0 && ben > 0;
  });
  return o.max === undefined ? out : out.slice(-o.max);
}

/** Pooled and mean metrics of a model's origin months. */
function summarise(months: MonthResult[], pooled: { y: number[]; s: number[]; c: Confusion }): ProtocolSummary {
  const m = metricsFromConfusion(pooled.c);
  const aucs = months.map((r) => r.roc_auc).filter((v) => Number.isFinite(v));
  return {
    months: months.length,
    n: pooled.y.length,
    malware: pooled.y.reduce((a, b) => a + b, 0),
    roc_auc: pooled.y.length ? rocAuc(pooled.y, pooled.s) : Number.NaN,
    pr_auc: pooled.y.length ? prAuc(pooled.y, pooled.s) : Number.NaN,
    f1: m.f1,
    recall: m.recall,
    fpr: m.fpr,
    precision: m.precision,
    mean_roc_auc: aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : Number.NaN,
  };
}

/** One origin month's work: fit on the months before it, score it. A job for a worker thread (parallel/origin-job.ts). */
export interface OriginJob {
  d: Dataset;
  config: DfpConfig;
  models: ProtocolModel[];
  month: string;
  /** The origin's position: seeds its validation split, whatever thread runs it. */
  k: number;
}

export interface OriginScores {
  /** Set when a fit refused the origin's data (too few rows for the learner, one class): the origin is left out. */
  skipped?: string;
  y: Uint8Array;
  scores: Partial<Record<ProtocolModel, { scores: Float32Array; threshold: number }>>;
  train_rows: number;
  train_malware: number;
}

/** Fits shared between models (the blend reuses the MLP's and the trees' fits) are made once. */
export async function judgeOrigin(job: OriginJob): Promise<OriginScores> {
  const { d, config, models, month, k } = job;
  const tc = config.train;
  const before = d.month.flatMap((m, i) => (m !== null && m < month ? [i] : []));
  const test = subset(d, d.month.flatMap((m, i) => (m === month ? [i] : [])));
  const rand = mulberry32(((tc.seed + k) ^ 0x85ebca6b) >>> 0);
  const [tr, va] = stratified(before, d.y, tc.validation_fraction, rand);
  const base = { train: subset(d, tr), validation: subset(d, va), progress: silentProgress };
  await mkdir(join(config.workspace, 'tmp'), { recursive: true });
  const work = await mkdtemp(join(config.workspace, 'tmp', `time-forward-${month}-`));
  const need = (kind: DetectorKind) => models.includes(kind) || models.includes('blend');
  const as = (kind: ProtocolModel): DfpConfig =>
    kind === 'autoencoder' ? { ...config, model: { ...config.model, name: 'autoencoder' } } : { ...config, model: { ...config.model, classifier: { ...config.model.classifier, kind } } };
  const scored: OriginScores['scores'] = {};
  const score = async (f: Fitted) => ({ scores: (await ModelSession.scoreOnce(f.onnx, test.x, tc.threads)).scores, threshold: f.threshold });
  try {
    // A fit refused for its data (too few rows or malware before this month) leaves the origin out for every model.
    const mlp = need('mlp') ? await fitMlp({ ...base, config: as('mlp'), checkpointDir: join(work, 'mlp') }) : undefined;
    const trees = need('trees') ? await fitTrees({ ...base, config: as('trees'), checkpointDir: join(work, 'trees') }) : undefined;
    if (mlp) scored.mlp = await score(mlp);
    if (trees) scored.trees = await score(trees);
    if (models.includes('blend') && mlp && trees) {
      // The blend's threshold is set on the mean of both held-out probabilities, as a blend fit sets it.
      const [a, t] = [scored.mlp!.scores, scored.trees!.scores];
      scored.blend = { scores: a.map((v, i) => (v + t[i]!) / 2), threshold: blendFits(config, mlp, trees).threshold };
    }
    if (models.includes('autoencoder')) scored.autoencoder = await score(await fitAutoencoder({ ...base, config: as('autoencoder'), checkpointDir: join(work, 'ae') }));
  } catch (e) {
    if (!(e instanceof DfpError && e.code === 'INPUT_INVALID')) throw e;
    return { skipped: e.message, y: test.y, scores: {}, train_rows: before.length, train_malware: before.reduce((a, i) => a + d.y[i]!, 0) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { y: test.y, scores: scored, train_rows: before.length, train_malware: before.reduce((a, i) => a + d.y[i]!, 0) };
}

/** Runs the protocol for each model on `d`'s origin months, origins in parallel on worker threads (train.workers). */
export async function timeForward(d: Dataset, config: DfpConfig, models: readonly ProtocolModel[], o: ProtocolOptions = {}): Promise<{ origins: string[]; results: ModelResult[]; skipped: { month: string; reason: string }[] }> {
  const sel = config.model.classifier.selection;
  const origins = o.origins ?? originMonths(d, { max: sel.origins, minMalware: sel.min_malware });
  const progress = o.progress ?? silentProgress;
  const jobs: OriginJob[] = origins.map((month, k) => ({ d, config, models: [...models], month, k }));
  progress.start(`time-forward protocol (${models.join(', ')})`, jobs.length, 'months');
  let judged: OriginScores[];
  try {
    judged = await runJobs<OriginJob, OriginScores>(new URL('./parallel/origin-job.ts', import.meta.url), jobs, workerCount(config.train.workers, jobs.length), { onDone: (n) => progress.update(n), ...(o.signal ? { signal: o.signal } : {}) });
  } finally {
    progress.stop();
  }
  const skipped = judged.flatMap((j, k) => (j.skipped ? [{ month: origins[k]!, reason: j.skipped }] : []));
  const kept = origins.filter((_, k) => !judged[k]!.skipped);
  judged = judged.filter((j) => !j.skipped);
  const results = models.map((model): ModelResult => {
    const pooled = { y: [] as number[], s: [] as number[], c: { tp: 0, fp: 0, tn: 0, fn: 0 } as Confusion };
    const months = judged.map((j, k): MonthResult => {
      const { scores, threshold } = j.scores[model]!;
      const c = confusionAt(j.y, scores, threshold);
      for (const key of ['tp', 'fp', 'tn', 'fn'] as const) pooled.c[key] += c[key];
      pooled.y.push(...j.y);
      pooled.s.push(...scores);
      const r = metricsFromConfusion(c);
      const malware = j.y.reduce((a, b) => a + b, 0);
      return {
        month: kept[k]!,
        n: j.y.length,
        malware,
        roc_auc: malware > 0 && malware < j.y.length ? rocAuc(j.y, scores) : Number.NaN,
        f1: r.f1,
        recall: r.recall,
        fpr: r.fpr,
        precision: r.precision,
        threshold,
        train_rows: j.train_rows,
        train_malware: j.train_malware,
      };
    });
    return { model, months, summary: summarise(months, pooled) };
  });
  return { origins: kept, results, skipped };
}

/** NaN ranks last. */
const better = (a: number, b: number) => (Number.isNaN(b) ? !Number.isNaN(a) : a > b);

/** The protocol's winner among results: the best pooled `metric`, ties by pooled ROC-AUC, then the earlier one. */
export function bestOf(results: readonly ModelResult[], metric: Selection['metric']): ModelResult {
  let best = results[0] as ModelResult;
  for (const r of results.slice(1)) {
    const [a, b] = [r.summary[metric], best.summary[metric]];
    if (better(a, b) || (a === b && better(r.summary.roc_auc, best.summary.roc_auc))) best = r;
  }
  return best;
}

/**
 * model.classifier.kind=auto: the candidates' time-forward results on the training months, and the winner by the
 * configured metric (ties: pooled ROC-AUC, then the earlier candidate). The test months are never read here.
 */
export async function selectDetector(d: Dataset, config: DfpConfig, o: ProtocolOptions = {}): Promise<Selection> {
  const t0 = performance.now();
  const sel = config.model.classifier.selection;
  const candidates = [...new Set(sel.candidates)];
  const origins = o.origins ?? originMonths(d, { max: sel.origins, minMalware: sel.min_malware });
  const first = candidates[0] as DetectorKind;
  if (origins.length === 0) {
    const fallback = `no training month has ${sel.min_malware} malware apps before it and both classes in it (model.classifier.selection.min_malware); took ${first}, the first candidate`;
    return { protocol: 'time-forward', metric: sel.metric, origins, candidates: [], chosen: first, fallback, seconds: 0 };
  }
  const { results, origins: judged, skipped } = await timeForward(d, config, candidates, { ...o, origins });
  if (judged.length === 0) {
    const fallback = `no origin month could be fitted (${skipped.map((x) => `${x.month}: ${x.reason}`).join('; ')}); took ${first}, the first candidate`;
    return { protocol: 'time-forward', metric: sel.metric, origins: [], candidates: [], chosen: first, fallback, seconds: Math.round((performance.now() - t0) / 100) / 10 };
  }
  const best = bestOf(results, sel.metric);
  return {
    protocol: 'time-forward',
    metric: sel.metric,
    origins: judged,
    candidates: results,
    chosen: best.model as DetectorKind,
    ...(skipped.length ? { skipped } : {}),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}

/** Refuses a backtest that has nothing to judge, naming the setting. */
export function checkOrigins(origins: readonly string[], minMalware: number, where: string): void {
  if (origins.length === 0) {
    throw new DfpError('INPUT_INVALID', `${where} has no month with at least ${minMalware} malware apps in the months before it and both classes in it; lower model.classifier.selection.min_malware or give more dated data`, { key: 'model.classifier.selection.min_malware' });
  }
}
