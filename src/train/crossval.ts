// `dfp crossval`: classifier model selection on the training months only, by family-grouped cross-validation, so a
// config is rewarded for catching malware families it never saw (KronoDroid's later months are dominated by such).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../core/config/load.ts';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError } from '../core/errors.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { classificationMetrics, rocAuc, thresholdForFpr } from '../core/ml/eval/index.ts';
import { mulberry32 } from '../core/ml/prng.ts';
import { type Progress, silentProgress } from '../core/progress.ts';
import { BASELINE, type Candidate, checkNames } from './candidates.ts';
import type { Dataset } from './data.ts';
import { openData } from './evaluate.ts';
import { ModelSession } from '../runtime/session.ts';
import { fitClassifier } from './fit-detector.ts';
import { type MonthResult, type ProtocolSummary, originMonths, selectDetector, timeForward } from './time-forward.ts';
import { firstTestMonth, shuffle, stratified, subset } from './split.ts';

export interface CrossvalOptions {
  /** key=value overrides of the baseline, as typed after `dfp crossval`; model=classifier unless one names the model. */
  overrides: string[];
  /** Compared with the baseline; each adds its overrides on top of the baseline's. */
  candidates: Candidate[];
  /** A KronoDroid file (either layout, need not be ingested) or a lake ref, as `dfp evaluate --data`. */
  data: string;
  /** First test month (YYYY-MM), left out with everything after it; default as `dfp train` splits. */
  testFrom?: string;
  folds: number;
  repeats: number;
  seed: number;
  /** family: family-grouped folds only; both (default): the time-forward protocol too, reported beside it. */
  protocol?: 'family' | 'both';
  progress?: Progress;
  /** Environment for the config loader (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Called as each candidate finishes. */
  onCandidate?: (r: CandidateResult) => void;
  /** Called once the data is read and before the first fit, with how much work is ahead. */
  onEstimate?: (e: CrossvalEstimate) => void;
}

/** The work ahead, known before the first fit. */
export interface CrossvalEstimate {
  /** Candidates including the baseline. */
  candidates: number;
  /** Distinct configurations to fit: candidates differing only in model.target_fpr share one. */
  configs: number;
  folds: number;
  repeats: number;
  /** configs × folds × repeats. */
  fits: number;
  /** Modelled duration of all fits (see fitSeconds). */
  seconds: number;
}

export interface FoldResult {
  repeat: number;
  fold: number;
  roc_auc: number;
  f1: number;
  recall: number;
  fpr: number;
  /** Distinct malware families in the held-out fold; none of them was in the fit. */
  held_families: number;
  held_malware: number;
}

export interface CandidateResult {
  name: string;
  overrides: string[];
  mean_auc: number;
  mean_f1: number;
  min_f1: number;
  /** Mean of the per-fold differences from the baseline on the same folds, and how many folds were better / worse. */
  delta_auc: number;
  delta_f1: number;
  wins_auc: number;
  losses_auc: number;
  wins_f1: number;
  losses_f1: number;
  seconds: number;
  /** Set when the models of an earlier candidate were reused: the configs differ only in model.target_fpr. */
  same_fits_as?: string;
  /** Repeat-major: repeat 0's folds, then repeat 1's, … */
  folds: FoldResult[];
  /**
   * The time-forward protocol on the same training months (src/train/time-forward.ts): each origin month scored by a
   * fit on the months before it. kind=auto: the candidate kind the protocol picks. Absent with --protocol family.
   */
  time_forward?: { model: string; summary: ProtocolSummary; months: MonthResult[] };
}

export interface CrossvalResult {
  data: { source: string; apps: number; malware: number; families: number; months: string[]; test_from: string; left_out_undated: number };
  folds: number;
  repeats: number;
  seed: number;
  baseline: string;
  /** The baseline and every candidate, best first: mean ROC-AUC, then mean F1. */
  candidates: CandidateResult[];
  estimate: CrossvalEstimate;
  /** How long the comparison took (data reading excluded). */
  seconds: number;
}

/**
 * Pace of classifier training, in seconds per (member × training row × epoch × MLP weight) plus a fixed cost per
 * member, measured with `dfp crossval` on the real 2019 subset on a busy 2-core machine (see fitSeconds).
 */
const SECONDS_PER_UNIT = 8.3e-10;
const SECONDS_PER_MEMBER = 0.3;

/**
 * Modelled seconds of one fit of `config` on `rows` training apps: every member MLP (one per cross-fitting fold, times
 * the ensemble) trains for up to train.epochs on its share of the rows, at a cost proportional to its weights. Early
 * stopping makes real fits shorter or longer; the pace constant is an average over the quick grid's configurations.
 */
export function fitSeconds(config: DfpConfig, rows: number): number {
  const mc = config.model.classifier;
  const crossfit = mc.calibration === 'crossfit';
  const members = (crossfit ? mc.folds : 1) * mc.ensemble;
  const memberRows = crossfit ? (rows * (mc.folds - 1)) / mc.folds : rows * (1 - config.train.validation_fraction);
  const widths = [FEATURE_COLUMNS.length, ...mc.hidden, 1];
  const weights = widths.slice(1).reduce((sum, w, i) => sum + (widths[i] as number) * w, 0);
  return members * (SECONDS_PER_MEMBER + SECONDS_PER_UNIT * memberRows * config.train.epochs * weights);
}

/** Malware rows by MalFamily; malware without a family are groups of one (they cannot be told apart). */
function familyGroups(d: Dataset): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < d.n; i++) {
    if (!d.y[i]) continue;
    const key = d.family[i] ?? `#${i}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  return groups;
}

/**
 * Fold of every row: a family never straddles folds; the largest family goes first into the fold with the fewest
 * malware, and so on; benign apps are shuffled and dealt round-robin.
 */
export function familyFolds(d: Dataset, k: number, seed: number): number[] {
  const rand = mulberry32(seed >>> 0);
  // Shuffled before the stable sort so equal-size families are placed in a seeded, not alphabetical, order.
  const ordered = shuffle([...familyGroups(d).values()], rand).sort((a, b) => b.length - a.length);
  const fold = new Array<number>(d.n).fill(0);
  const load = new Array<number>(k).fill(0);
  for (const rows of ordered) {
    const f = load.indexOf(Math.min(...load));
    for (const r of rows) fold[r] = f;
    load[f] = (load[f] as number) + rows.length;
  }
  const benign = shuffle(Array.from({ length: d.n }, (_, i) => i).filter((i) => !d.y[i]), rand);
  benign.forEach((r, j) => (fold[r] = j % k));
  return fold;
}

/** The baseline (or a candidate's) config: the classifier unless the overrides name a model, which must be the classifier. */
function classifierConfig(overrides: readonly string[], who: string, env: NodeJS.ProcessEnv | undefined): DfpConfig {
  const named = overrides.some((o) => /^\+?model=/.test(o));
  let config: DfpConfig;
  try {
    config = loadConfig({ overrides: [...(named ? [] : ['model=classifier']), ...overrides], ...(env ? { env } : {}) }).config;
  } catch (e) {
    if (who !== BASELINE && e instanceof DfpError) throw new DfpError(e.code, `candidate '${who}': ${e.message}`, e.details, { cause: e });
    throw e;
  }
  if (config.model.name !== 'classifier') {
    const whose = who === BASELINE ? '' : ` (candidate '${who}')`;
    throw new DfpError('CONFIG_INVALID', `dfp crossval compares classifier configurations; model=${config.model.name}${whose} is one-class (trained on benign apps only), so holding out malware families tells it nothing; drop model=${config.model.name}`, { key: 'model' });
  }
  return config;
}

function checkOptions(o: CompareOptions & { testFrom?: string }): void {
  const int = (v: number, min: number, flag: string) => {
    if (!Number.isInteger(v) || v < min) throw new DfpError('USAGE', `${flag} must be an integer >= ${min}, got ${String(v)}`, { key: flag });
  };
  int(o.folds, 2, '--folds');
  int(o.repeats, 1, '--repeats');
  int(o.seed, 0, '--seed');
  if (o.testFrom !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$/.test(o.testFrom)) throw new DfpError('USAGE', `--test-from must be a month YYYY-MM, got '${o.testFrom}'`, { key: '--test-from' });
}

interface TrainingPeriod {
  d: Dataset;
  months: string[];
  testFrom: string;
  undated: number;
}

/** The apps dated before the first test month: the test months never influence the choice. */
function trainingPeriod(all: Dataset, config: DfpConfig, testFrom: string | undefined): TrainingPeriod {
  const months = [...new Set(all.month.filter((m): m is string => m !== null))].sort();
  const given = testFrom ?? config.train.test_from;
  const key = testFrom ? '--test-from' : config.train.test_from ? 'train.test_from' : 'train.test_months';
  if (given === undefined && months.length < 2) throw new DfpError('INPUT_INVALID', `the data has ${months.length} month(s) with apps, too few to hold the last train.test_months out; give --test-from`);
  const first = firstTestMonth(months, given, config.train.test_months);
  const rows = all.month.flatMap((m, i) => (m !== null && m < first ? [i] : []));
  if (rows.length === 0) throw new DfpError('INPUT_INVALID', `no apps are dated before ${first} (the data spans ${months[0] ?? '?'}..${months[months.length - 1] ?? '?'}); set ${key} later`, { key });
  return { d: subset(all, rows), months: months.filter((m) => m < first), testFrom: first, undated: all.month.filter((m) => m === null).length };
}

/** What one fold's fit leaves behind: held-out scores and the benign probabilities its threshold comes from. */
interface FoldFit {
  scores: Float32Array;
  benign: Float32Array;
}

interface Plan {
  d: Dataset;
  foldsByRepeat: number[][];
  o: CompareOptions;
  work: string;
}

/** Each fold: fit on the other folds exactly as `dfp train` fits on the training months, then score the held-out fold. */
async function fitFolds(p: Plan, config: DfpConfig, onFold: (done: number) => void): Promise<FoldFit[]> {
  const { d, o } = p;
  const fits: FoldFit[] = [];
  for (let r = 0; r < o.repeats; r++) {
    const fold = p.foldsByRepeat[r] as number[];
    // The same seed per repeat for every candidate, so they also share the validation parts.
    const rand = mulberry32(((o.seed + r) ^ 0x9e3779b9) >>> 0);
    for (let f = 0; f < o.folds; f++) {
      const rest = fold.flatMap((g, i) => (g === f ? [] : [i]));
      const held = subset(d, fold.flatMap((g, i) => (g === f ? [i] : [])));
      const [tr, va] = stratified(rest, d.y, config.train.validation_fraction, rand);
      const checkpointDir = join(p.work, `fit-${fits.length}`);
      const fitted = await fitClassifier({ config, train: subset(d, tr), validation: subset(d, va), progress: silentProgress, checkpointDir });
      await rm(checkpointDir, { recursive: true, force: true });
      if (!fitted.benignCalibration) throw new Error('the classifier fit returned no calibration scores');
      const scores = (await ModelSession.scoreOnce(fitted.onnx, held.x, config.train.threads)).scores;
      fits.push({ scores, benign: fitted.benignCalibration });
      onFold(fits.length);
    }
  }
  return fits;
}

function foldResults(p: Plan, fits: readonly FoldFit[], targetFpr: number): FoldResult[] {
  return fits.map((fit, j) => {
    const r = Math.floor(j / p.o.folds);
    const f = j % p.o.folds;
    const idx = (p.foldsByRepeat[r] as number[]).flatMap((g, i) => (g === f ? [i] : []));
    const y = Uint8Array.from(idx, (i) => p.d.y[i] as number);
    const m = classificationMetrics(y, fit.scores, thresholdForFpr(fit.benign, targetFpr));
    const families = new Set(idx.filter((i) => p.d.y[i] && p.d.family[i] !== null).map((i) => p.d.family[i]));
    return { repeat: r, fold: f, roc_auc: rocAuc(y, fit.scores), f1: m.f1, recall: m.recall, fpr: m.fpr, held_families: families.size, held_malware: idx.filter((i) => p.d.y[i]).length };
  });
}

const mean = (v: readonly number[]) => v.reduce((a, x) => a + x, 0) / v.length;

/** Means, and differences paired with the baseline fold by fold: fold-to-fold spread dwarfs most config differences. */
function summarise(c: Candidate, folds: FoldResult[], base: FoldResult[] | undefined, seconds: number, sameAs: string | undefined): CandidateResult {
  const diffs = (k: 'roc_auc' | 'f1') => folds.map((f, i) => f[k] - (base?.[i] ?? f)[k]);
  const [da, df] = [diffs('roc_auc'), diffs('f1')];
  return {
    name: c.name,
    overrides: c.overrides,
    mean_auc: mean(folds.map((f) => f.roc_auc)),
    mean_f1: mean(folds.map((f) => f.f1)),
    min_f1: Math.min(...folds.map((f) => f.f1)),
    delta_auc: mean(da),
    delta_f1: mean(df),
    wins_auc: da.filter((v) => v > 0).length,
    losses_auc: da.filter((v) => v < 0).length,
    wins_f1: df.filter((v) => v > 0).length,
    losses_f1: df.filter((v) => v < 0).length,
    seconds: Math.round(seconds * 10) / 10,
    ...(sameAs ? { same_fits_as: sameAs } : {}),
    folds,
  };
}

/** NaN sorts last. */
const desc = (a: number, b: number) => (Number.isNaN(b) ? -1 : Number.isNaN(a) ? 1 : b - a);

/** How to compare: everything of CrossvalOptions but where the data comes from. */
export type CompareOptions = Omit<CrossvalOptions, 'data' | 'testFrom'>;

interface Run {
  c: Candidate;
  config: DfpConfig;
}

/** Every config resolves before the data is read, so a bad override fails in a second, not after an hour. */
function resolveRuns(o: CompareOptions & { testFrom?: string }): Run[] {
  checkOptions(o);
  checkNames(o.candidates);
  const base = classifierConfig(o.overrides, BASELINE, o.env);
  return [{ c: { name: BASELINE, overrides: o.overrides }, config: base }, ...o.candidates.map((c) => ({ c, config: classifierConfig([...o.overrides, ...c.overrides], c.name, o.env) }))];
}

function checkFolds(d: Dataset, o: CompareOptions, where: string): void {
  const malware = d.y.reduce((a, b) => a + b, 0);
  const groups = familyGroups(d).size;
  if (groups < o.folds) throw new DfpError('INPUT_INVALID', `--folds ${o.folds} needs at least ${o.folds} malware families in ${where}, found ${groups} (${malware} malware); lower --folds`, { key: '--folds' });
  if (d.n - malware < o.folds) throw new DfpError('INPUT_INVALID', `--folds ${o.folds} needs at least ${o.folds} benign apps in ${where}, found ${d.n - malware}; lower --folds`, { key: '--folds' });
}

// Configs that differ only in model.target_fpr train the same models: fit once, move the threshold.
const fitKey = (config: DfpConfig) => JSON.stringify({ ...config, model: { ...config.model, target_fpr: null } });

/** The work of comparing `runs` on `d`: distinct configurations × folds × repeats fits, and their modelled duration. */
export function estimate(d: Dataset, runs: readonly { config: DfpConfig }[], o: Pick<CompareOptions, 'folds' | 'repeats'>): CrossvalEstimate {
  const distinct = new Map(runs.map((r) => [fitKey(r.config), r.config]));
  const fitRows = (d.n * (o.folds - 1)) / o.folds;
  const seconds = [...distinct.values()].reduce((sum, c) => sum + fitSeconds(c, fitRows) * o.folds * o.repeats, 0);
  return { candidates: runs.length, configs: distinct.size, folds: o.folds, repeats: o.repeats, fits: distinct.size * o.folds * o.repeats, seconds: Math.round(seconds) };
}

/** Cross-validates the baseline and each candidate on the same folds of `d`; best first. */
async function compare(d: Dataset, runs: readonly Run[], o: CompareOptions): Promise<{ results: CandidateResult[]; estimate: CrossvalEstimate; seconds: number }> {
  const started = performance.now();
  const progress = o.progress ?? silentProgress;
  const ahead = estimate(d, runs, o);
  o.onEstimate?.(ahead);
  const workspace = (runs[0] as Run).config.workspace;
  await mkdir(join(workspace, 'tmp'), { recursive: true });
  const work = await mkdtemp(join(workspace, 'tmp', 'crossval-'));
  const plan: Plan = { d, o, work, foldsByRepeat: Array.from({ length: o.repeats }, (_, r) => familyFolds(d, o.folds, o.seed + r)) };
  const fitted = new Map<string, { by: string; fits: FoldFit[] }>();
  const results: CandidateResult[] = [];
  let done = 0;
  try {
    for (const [i, { c, config }] of runs.entries()) {
      const t0 = performance.now();
      const key = fitKey(config);
      let entry = fitted.get(key);
      if (!entry) {
        // One phase for the whole comparison (same total, relabelled per candidate), so its ETA is the overall one.
        progress.start(`crossval candidate ${i + 1}/${runs.length} ${c.name}`, ahead.fits, 'fits');
        const before = done;
        entry = { by: c.name, fits: await fitFolds(plan, config, (n) => progress.update((done = before + n))) };
        fitted.set(key, entry);
      }
      const folds = foldResults(plan, entry.fits, config.model.target_fpr);
      const tf = (o.protocol ?? 'both') === 'both' ? await timeForwardOf(d, config, progress) : undefined;
      const r = { ...summarise(c, folds, results[0]?.folds, (performance.now() - t0) / 1000, entry.by === c.name ? undefined : entry.by), ...(tf ? { time_forward: tf } : {}) };
      results.push(r);
      o.onCandidate?.(r);
    }
  } finally {
    progress.stop();
    await rm(work, { recursive: true, force: true });
  }
  const ranked = [...results].sort((a, b) => desc(a.mean_auc, b.mean_auc) || desc(a.mean_f1, b.mean_f1));
  return { results: ranked, estimate: ahead, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

/** The time-forward protocol of one config on the training months; kind=auto reports the kind it would pick. */
async function timeForwardOf(d: Dataset, config: DfpConfig, progress: Progress): Promise<CandidateResult['time_forward']> {
  const sel = config.model.classifier.selection;
  const origins = originMonths(d, { max: sel.origins, minMalware: sel.min_malware });
  if (origins.length === 0) return undefined;
  const kind = config.model.classifier.kind;
  let chosen;
  if (kind === 'auto') {
    const s = await selectDetector(d, config, { origins, progress });
    chosen = s.candidates.find((c) => c.model === s.chosen)!;
  } else chosen = (await timeForward(d, config, [kind], { origins, progress })).results[0]!;
  return { model: chosen.model, summary: chosen.summary, months: chosen.months };
}

/** Cross-validation of an in-memory dataset, all of it taken as training months. */
export async function crossvalidate(d: Dataset, o: CompareOptions): Promise<CandidateResult[]> {
  const runs = resolveRuns(o);
  checkFolds(d, o, 'the data');
  return (await compare(d, runs, o)).results;
}

export async function runCrossval(o: CrossvalOptions): Promise<CrossvalResult> {
  const runs = resolveRuns(o);
  const base = (runs[0] as Run).config;
  const { data: all, source } = await openData({ config: base, data: o.data, ...(o.progress ? { progress: o.progress } : {}) });
  const period = trainingPeriod(all, base, o.testFrom);
  const { d } = period;
  checkFolds(d, o, `the training months (before ${period.testFrom})`);
  const { results: candidates, estimate: ahead, seconds } = await compare(d, runs, o);
  return {
    data: {
      source: source.ref,
      apps: d.n,
      malware: d.y.reduce((a, b) => a + b, 0),
      families: new Set(d.family.filter((f, i) => d.y[i] && f !== null)).size,
      months: period.months,
      test_from: period.testFrom,
      left_out_undated: period.undated,
    },
    folds: o.folds,
    repeats: o.repeats,
    seed: o.seed,
    baseline: BASELINE,
    candidates,
    estimate: ahead,
    seconds,
  };
}
