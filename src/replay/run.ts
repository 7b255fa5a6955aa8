// `dfp run --replay-months`: history replayed month by month through the retraining loop, to answer "how would dfp
// have done had we run it monthly?". Month m arrives: the production model's verdicts on it are counted (alert rate,
// recall, FPR: it never saw m), its drift from the production model's training months is measured, and when the
// policy (retrain.when) says so a challenger is fitted on the window of months before m and judged next to the
// champion on m, the newest labelled month, which neither trained on. Production moves only when the challenger is
// better there by retrain.metric and retrain.margin; from m+1 on the new model answers.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError } from '../core/errors.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { configThresholds } from '../core/drift/document.ts';
import { featureDrift } from '../core/drift/report.ts';
import { confusionAt, metricsFromConfusion, prAuc, rocAuc } from '../core/ml/eval/index.ts';
import type { DetectorKind } from '../core/ml/models/metadata.ts';
import { mulberry32 } from '../core/ml/prng.ts';
import { type Progress, silentProgress } from '../core/progress.ts';
import { monthSeriesSvg } from '../evaluate/month-chart.ts';
import { svgToPng } from '../evaluate/plots.ts';
import { ModelSession } from '../runtime/session.ts';
import { openData } from '../train/evaluate.ts';
import { fitKind } from '../train/fit-detector.ts';
import { stratified, subset } from '../train/split.ts';

export interface ReplayOptions {
  config: DfpConfig;
  /** A labelled, dated KronoDroid file or lake ref. */
  data: string;
  progress?: Progress;
  plotsDir?: string;
}

/** A model in production during the replay. */
interface Production {
  version: number;
  onnx: Uint8Array;
  threshold: number;
  /** The months it was fitted on, and their rows (the drift reference). */
  months: string[];
  rows: number[];
}

export interface ReplayMonth {
  month: string;
  n: number;
  malware: number;
  /** The production model's verdicts on this month (null before the first model): it never trained on it. */
  production: { version: number; alert_rate: number; recall: number; fpr: number; f1: number } | null;
  /** Drift of this month's apps from the production model's training months (null before the first model). */
  drift: { drifted: boolean; drifted_features: number } | null;
  retrained: boolean;
  /** The challenger and the champion on this month, by retrain.metric; promoted when the challenger wins by the margin. */
  decision?: { challenger: number; champion: number | null; promoted: boolean; version: number; trained_on: string[] };
  /** Why no challenger was fitted, when due but impossible (too few malware in the window). */
  skipped?: string;
}

export interface ReplayResult {
  data: { source: string; apps: number; malware: number; months: string[] };
  policy: DfpConfig['retrain'];
  kind: DetectorKind;
  months: ReplayMonth[];
  promotions: number;
  plots: { svg: string; png: string };
}

const metricOf = (metric: DfpConfig['retrain']['metric'], y: Uint8Array, scores: Float32Array, threshold: number): number =>
  metric === 'f1' ? metricsFromConfusion(confusionAt(y, scores, threshold)).f1 : metric === 'roc_auc' ? rocAuc(y, scores) : prAuc(y, scores);

export async function runReplay(o: ReplayOptions): Promise<ReplayResult> {
  const { config } = o;
  const policy = config.retrain;
  const kind = config.model.classifier.kind === 'auto' ? policy.kind : config.model.classifier.kind;
  const progress = o.progress ?? silentProgress;
  const { data: d, source } = await openData({ config, data: o.data, progress });
  const months = [...new Set(d.month.filter((m): m is string => m !== null))].sort();
  if (months.length < 2) throw new DfpError('INPUT_INVALID', `${o.data} has ${months.length} dated month(s); a replay needs at least two`);
  const rowsOf = (keep: (m: string) => boolean) => d.month.flatMap((m, i) => (m !== null && keep(m) ? [i] : []));
  const out: ReplayMonth[] = [];
  let production: Production | undefined;
  let versions = 0;
  progress.start('replay', months.length, 'months');
  try {
    for (const [k, month] of months.entries()) {
      const rows = rowsOf((m) => m === month);
      const now = subset(d, rows);
      const malware = now.y.reduce((a, b) => a + b, 0);
      const entry: ReplayMonth = { month, n: now.n, malware, production: null, drift: null, retrained: false };
      let championScore: number | null = null;
      if (production) {
        const scores = (await ModelSession.scoreOnce(production.onnx, now.x, config.train.threads)).scores;
        const m = metricsFromConfusion(confusionAt(now.y, scores, production.threshold));
        const flagged = scores.filter((s) => s > production!.threshold).length;
        entry.production = { version: production.version, alert_rate: flagged / now.n, recall: m.recall, fpr: m.fpr, f1: m.f1 };
        championScore = metricOf(policy.metric, now.y, scores, production.threshold);
        const ref = subset(d, production.rows);
        const report = featureDrift(FEATURE_COLUMNS, { x: ref.x, n: ref.n }, { x: now.x, n: now.n }, configThresholds(config));
        entry.drift = { drifted: report.drifted, drifted_features: report.features.filter((f) => f.drifted).length };
      }
      const due = !production || policy.when === 'always' || (policy.when === 'drift' && entry.drift?.drifted === true);
      // The window: the latest retrain.window months before this one (0 = all of them).
      const before = months.slice(0, k);
      const window = policy.window > 0 ? before.slice(-policy.window) : before;
      const fitRows = rowsOf((m) => window.includes(m));
      const fitMalware = fitRows.reduce((a, i) => a + d.y[i]!, 0);
      const judgeable = malware > 0 && malware < now.n;
      if (due && k > 0) {
        if (fitMalware < policy.min_malware || fitRows.length - fitMalware < policy.min_malware) {
          entry.skipped = `the window ${window[0]}..${window[window.length - 1]} has ${fitMalware} malware of ${fitRows.length} apps (retrain.min_malware=${policy.min_malware})`;
        } else if (production && !judgeable) {
          entry.skipped = `${month} has ${malware} malware of ${now.n} apps: a challenger cannot be judged on it`;
        } else {
          const rand = mulberry32(((config.train.seed + k) ^ 0x27d4eb2f) >>> 0);
          const [tr, va] = stratified(fitRows, d.y, config.train.validation_fraction, rand);
          await mkdir(join(config.workspace, 'tmp'), { recursive: true });
          const fitted = await fitKind({ config, train: subset(d, tr), validation: subset(d, va), progress: silentProgress, checkpointDir: join(config.workspace, 'tmp', `replay-${month}`) }, kind);
          entry.retrained = true;
          const scores = judgeable ? (await ModelSession.scoreOnce(fitted.onnx, now.x, config.train.threads)).scores : new Float32Array(0);
          const challenger = judgeable ? metricOf(policy.metric, now.y, scores, fitted.threshold) : Number.NaN;
          // The first model goes to production unjudged: there is nothing to compare it with.
          const promoted = !production || (Number.isFinite(challenger) && challenger > (championScore ?? -Infinity) + policy.margin);
          versions++;
          entry.decision = { challenger, champion: championScore, promoted, version: versions, trained_on: window };
          if (promoted) production = { version: versions, onnx: fitted.onnx, threshold: fitted.threshold, months: window, rows: fitRows };
        }
      }
      out.push(entry);
      progress.update(k + 1);
    }
  } finally {
    progress.stop();
  }
  const dir = o.plotsDir ?? join(config.workspace, 'replay');
  await mkdir(dir, { recursive: true });
  const series = (pick: (m: ReplayMonth) => number | undefined) => out.map((m) => pick(m) ?? Number.NaN);
  const svg = monthSeriesSvg({
    title: `Monthly replay on ${source.ref}`,
    subtitle: `retrain.when=${policy.when}, window ${policy.window || 'all'} months, ${kind}; promotions: ${out.filter((m) => m.decision?.promoted).map((m) => m.month).join(', ') || 'none'}`,
    months,
    yLabel: "the production model's rates on each new month",
    series: [
      { label: 'alert rate', values: series((m) => m.production?.alert_rate) },
      { label: 'recall', values: series((m) => m.production?.recall) },
      { label: 'FPR', values: series((m) => m.production?.fpr), dash: true },
    ],
  });
  const plots = { svg: join(dir, 'replay.svg'), png: join(dir, 'replay.png') };
  await writeFile(plots.svg, svg);
  await writeFile(plots.png, svgToPng(svg));
  return {
    data: { source: source.ref, apps: d.n, malware: d.y.reduce((a, b) => a + b, 0), months },
    policy,
    kind,
    months: out,
    promotions: out.filter((m) => m.decision?.promoted).length,
    plots,
  };
}
