// `dfp backtest`: the time-forward protocol (src/train/time-forward.ts) on any labelled file or lake ref, for the
// configured model: every month that has enough malware before it is scored by a model fitted, exactly as
// `dfp train` fits, on the months before it. Answers "how would this config have done, month after month?".
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import type { Progress } from '../core/progress.ts';
import { monthSeriesSvg } from '../evaluate/month-chart.ts';
import { svgToPng } from '../evaluate/plots.ts';
import { openData } from '../train/evaluate.ts';
import { subset } from '../train/split.ts';
import { type ModelResult, type MonthResult, type ProtocolModel, type ProtocolSummary, bestOf, checkOrigins, originMonths, timeForward } from '../train/time-forward.ts';

export interface BacktestOptions {
  config: DfpConfig;
  /** A KronoDroid file (either layout) or a lake ref, as `dfp evaluate --data`. */
  data: string;
  progress: Progress;
  /** Where the plot goes (default <workspace>/backtest). */
  plotsDir?: string;
  /** Only months before this one (YYYY-MM): settings are compared without reading the later (test) months. */
  before?: string;
}

export interface BacktestResult {
  /** The model judged: the detector kind, or autoencoder. With kind=auto every candidate is judged and `chosen` named. */
  model: string;
  data: { source: string; apps: number; malware: number; months: string[] };
  months: MonthResult[];
  summary: ProtocolSummary;
  /** kind=auto: each candidate's months and summary, and the one the protocol picks on this data. */
  candidates?: ModelResult[];
  chosen?: string;
  plots: { svg: string; png: string };
}

/** What the config asks to judge. */
function modelsOf(config: DfpConfig): ProtocolModel[] {
  if (config.model.name === 'autoencoder') return ['autoencoder'];
  const kind = config.model.classifier.kind;
  return kind === 'auto' ? [...new Set(config.model.classifier.selection.candidates)] : [kind];
}

export async function runBacktest(o: BacktestOptions): Promise<BacktestResult> {
  const { config } = o;
  const { data: all, source } = await openData({ config, data: o.data, progress: o.progress });
  const d = o.before === undefined ? all : subset(all, all.month.flatMap((m, i) => (m !== null && m < o.before! ? [i] : [])));
  const minMalware = config.model.classifier.selection.min_malware;
  // Every qualifying month of the file is an origin (selection.origins limits only kind=auto inside `dfp train`).
  const origins = originMonths(d, { minMalware });
  checkOrigins(origins, minMalware, o.before === undefined ? o.data : `${o.data} before ${o.before}`);
  const models = modelsOf(config);
  const { results } = await timeForward(d, config, models, { progress: o.progress, origins });
  const metric = config.model.classifier.selection.metric;
  const best = bestOf(results, metric);
  const dir = o.plotsDir ?? join(config.workspace, 'backtest');
  await mkdir(dir, { recursive: true });
  const svg = monthSeriesSvg({
    title: `Time-forward backtest on ${source.ref}`,
    subtitle: 'each month scored by a model fitted on the months before it',
    months: origins,
    yLabel: 'ROC-AUC, F1, FPR',
    series: [
      ...results.map((r) => ({ label: `${r.model} F1`, values: r.months.map((m) => m.f1) })),
      { label: `${best.model} ROC-AUC`, values: best.months.map((m) => m.roc_auc), dash: true },
      { label: `${best.model} FPR`, values: best.months.map((m) => m.fpr), dash: true },
    ],
  });
  const plots = { svg: join(dir, 'backtest.svg'), png: join(dir, 'backtest.png') };
  await writeFile(plots.svg, svg);
  await writeFile(plots.png, svgToPng(svg));
  return {
    model: best.model,
    data: { source: source.ref, apps: d.n, malware: d.y.reduce((a, b) => a + b, 0), months: [...new Set(d.month.filter((m): m is string => m !== null))].sort() },
    months: best.months,
    summary: best.summary,
    ...(results.length > 1 ? { candidates: results, chosen: best.model } : {}),
    plots,
  };
}
