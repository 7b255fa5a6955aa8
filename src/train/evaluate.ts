// `dfp evaluate`: loads a model (run id, path or model URI), scores a data file or lake ref, reports metrics at its threshold.
import { existsSync } from 'node:fs';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError } from '../core/errors.ts';
import type { Evaluation, GroupDetection } from '../core/ml/eval/index.ts';
import type { Progress } from '../core/progress.ts';
import { engineOptions } from '../engine/duckdb/connection.ts';
import { openLake } from '../lake/open.ts';
import { type Dataset, type DataSource, loadFileDataset, loadLakeDataset } from './data.ts';
import type { PlotPaths } from '../evaluate/index.ts';
import { flatMetrics, plots, report } from './report.ts';
import { openModel } from '../runtime/open.ts';
import { subset } from './split.ts';

export interface EvaluateOptions {
  config: DfpConfig;
  /** A run id printed by `dfp train`, a model directory (or its model.onnx), or a runs:/ or models:/ URI. */
  model: string;
  /** A KronoDroid data file (either layout, never ingested is fine), a URL/kaggle:/kronodroid: source, or a lake ref. */
  data: string;
  /** Keep apps the model was trained or calibrated on (default: leave them out). */
  includeSeen?: boolean;
  /** Write ROC/PR/histogram plots here. */
  plotsDir?: string;
  progress?: Progress;
}

const SOURCE_SCHEME = /^(https?:|kaggle:|kronodroid:)/;

/** `--data` as `dfp evaluate` and `dfp crossval` take it: a KronoDroid file or source (never ingested is fine), else a lake ref. */
export async function openData(o: Pick<EvaluateOptions, 'config' | 'data' | 'progress'>): Promise<{ data: Dataset; source: DataSource }> {
  if (existsSync(o.data) || SOURCE_SCHEME.test(o.data)) return loadFileDataset(o.data, o.config, o.progress);
  const lake = await openLake(o.config);
  try {
    return await loadLakeDataset(lake, o.data, o.config.train.table, engineOptions(o.config));
  } catch (e) {
    if (e instanceof DfpError && e.code === 'NOT_FOUND') {
      throw new DfpError('NOT_FOUND', `--data '${o.data}' is neither a readable file nor a lake ref with table ${o.config.train.table} (${e.message})`, { data: o.data }, { cause: e });
    }
    throw e;
  } finally {
    await lake.close();
  }
}

/** The --json document of `dfp evaluate`: the contract keys first, then what the report adds. */
export interface EvaluateResult extends Evaluation {
  excluded_seen: number;
  per_family: GroupDetection[];
  per_category: GroupDetection[];
  model: { kind: string; run_id: string; dir: string; target_fpr: number };
  data: { source: string; kind: string; commit: string | undefined; digest: string; rows: number; months: string[] };
  plots?: PlotPaths;
}

export async function runEvaluate(o: EvaluateOptions): Promise<EvaluateResult> {
  const { model, cleanup } = await openModel(o.config, o.model);
  try {
    const { data: all, source } = await openData(o);
    const seen = new Set(model.metadata.seen_sha256 ?? []);
    const keep = Array.from({ length: all.n }, (_, i) => i).filter((i) => o.includeSeen || !seen.has(all.sha256[i] as string));
    const data = keep.length === all.n ? all : subset(all, keep);
    if (data.n === 0) throw new DfpError('INPUT_INVALID', `every app in ${o.data} was used to train or calibrate this model; pass --include-seen to score them anyway`);
    const scores = (await model.score(data.x)).scores;
    const threshold = model.metadata.threshold;
    const r = report(data, scores, threshold);
    const plotPaths = o.plotsDir ? await plots(o.plotsDir, data, scores, threshold, `${model.metadata.kind} on ${o.data}`) : undefined;
    const months = data.month.filter((m): m is string => m !== null).sort();
    return {
      ...flatMetrics(r.metrics),
      excluded_seen: all.n - data.n,
      per_family: r.perGroup.family,
      per_category: r.perGroup.category,
      model: { kind: model.metadata.kind, run_id: model.metadata.run_id ?? '', dir: model.source, target_fpr: model.metadata.target_fpr ?? Number.NaN },
      data: { source: source.ref, kind: source.kind, commit: source.commit || undefined, digest: source.digest, rows: all.n, months: months.length ? [months[0]!, months[months.length - 1]!] : [] },
      ...(plotPaths ? { plots: plotPaths } : {}),
    };
  } finally {
    await model.close();
    await cleanup();
  }
}
