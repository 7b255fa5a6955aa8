/**
 * @module `dfp drift`: how far current apps have moved from a reference set, feature by feature, in the scores of
 * the served models and month by month (the document is src/core/drift/document.ts). The current apps are a
 * KronoDroid file or a lake ref, read as `dfp evaluate` reads `--data`; the reference is another such set or, by
 * default, the training data of the verdict model (serve.model at serve.alias: the production detector), found
 * through its tracking run (src/drift/reference.ts). Both sides are scored by the served models (serve.model and
 * serve.fingerprint_model at serve.alias) through the model runtime.
 */
import { servedFingerprintModel, type DfpConfig } from '../core/config/schema.ts';
import { DfpError, isDfpError } from '../core/errors.ts';
import { configThresholds, type DriftReport, type DriftSide, driftReport, MIN_ROWS } from '../core/drift/document.ts';
import type { DriftThresholds } from '../core/drift/report.ts';
import type { ScoredModel } from '../core/drift/score.ts';
import { FEATURE_COLUMNS, OPTIONAL_STATIC_COLUMNS } from '../core/kronodroid/schema.ts';
import type { Progress } from '../core/progress.ts';
import { monthsSvg, scoreShiftSvg } from '../evaluate/drift-charts.ts';
import { writeCharts } from '../evaluate/plots.ts';
import type { Tracking } from '../core/tracking/index.ts';
import { Scorer } from '../runtime/scorer.ts';
import { RegistryModelSource } from '../runtime/sources/registry.ts';
import { openTracking } from '../tracking/open.ts';
import type { Dataset } from '../train/data.ts';
import { openData } from '../train/evaluate.ts';
import { trainingData } from './reference.ts';

export { MIN_ROWS };

export interface DriftOptions {
  config: DfpConfig;
  data: string;
  /** A file or lake ref; default: the training data of serve.model at serve.alias. */
  reference?: string;
  thresholds?: Partial<DriftThresholds>;
  /** Write the score histograms and the months chart here (SVG and PNG). */
  plotsDir?: string;
  progress?: Progress;
}

export interface DriftRun extends DriftReport {
  /** Served models that could not be opened (their scores are left out), with why. */
  notes: string[];
  plots?: Record<string, { svg: string; png: string }>;
}

interface Opened {
  uri: string;
  model: Scorer;
}

/**
 * The served models at serve.alias, the verdict's first, loaded as `dfp serve` loads them (the registry source of the
 * model runtime); a model without that alias is left out with a note, unless it is the verdict's and is required.
 */
async function openServed(config: DfpConfig, tracking: Tracking, notes: string[], required: boolean): Promise<Opened[]> {
  const names = [config.serve.model, servedFingerprintModel(config.serve)].filter((n): n is string => Boolean(n));
  const out: Opened[] = [];
  try {
    for (const [i, name] of names.entries()) {
      const uri = `models:/${name}@${config.serve.alias}`;
      try {
        const source = new RegistryModelSource(tracking, name, false);
        out.push({ uri, model: await Scorer.open(await source.load(await source.resolve(config.serve.alias))) });
      } catch (e) {
        if (!isDfpError(e) || e.code !== 'NOT_FOUND') throw e;
        if (i === 0 && required) {
          throw new DfpError('NOT_FOUND', `no --reference given, and the default reference (the training data of ${uri}, serve.model) cannot be found: ${e.message}; pass --reference <file|lake ref>`, { model: uri }, { cause: e });
        }
        notes.push(`${uri} is not scored: ${e.message}`);
        // Without the verdict model there is no `score` to report, and the fingerprint model alone is not it.
        if (i === 0) break;
      }
    }
    return out;
  } catch (e) {
    for (const m of out) await m.model.close();
    throw e;
  }
}

const matrix = (d: Dataset) => ({ x: d.x, n: d.n });

/** One side read as `dfp evaluate` reads --data; a file lacking columns is named by its flag, with the first few it lacks. */
async function readSide(o: DriftOptions, flag: '--data' | '--reference', spec: string) {
  try {
    return await openData({ config: o.config, data: spec, ...(o.progress ? { progress: o.progress } : {}) });
  } catch (e) {
    const missing = isDfpError(e) && e.code === 'SCHEMA_MISMATCH' ? e.details?.missing : undefined;
    if (!Array.isArray(missing)) throw e;
    const lacks = missing.map(String);
    const noFeature = FEATURE_COLUMNS.every((c) => lacks.includes(c) || OPTIONAL_STATIC_COLUMNS.includes(c));
    throw new DfpError(
      'SCHEMA_MISMATCH',
      `${flag} '${spec}' lacks ${lacks.length} required column(s)${noFeature ? ', every feature column among them: it shares no column with KronoDroid\'s features' : ''} (${lacks.slice(0, 8).join(', ')}${lacks.length > 8 ? `, and ${lacks.length - 8} more` : ''}); drift reads labelled KronoDroid files (either layout) and lake refs`,
      { [flag.slice(2)]: spec, missing: lacks },
      { cause: e },
    );
  }
}

export async function runDrift(o: DriftOptions): Promise<DriftRun> {
  const notes: string[] = [];
  const tracking = await openTracking(o.config);
  let opened: Opened[] = [];
  try {
    opened = await openServed(o.config, tracking, notes, o.reference === undefined);
    let ref: { data: Dataset; side: DriftSide; flag: string };
    if (o.reference !== undefined) {
      const r = await readSide(o, '--reference', o.reference);
      ref = { data: r.data, side: { source: r.source.ref, rows: r.data.n, commit: r.source.commit || null }, flag: `--reference '${r.source.ref}'` };
    } else {
      const verdict = opened[0]!;
      const t = await trainingData(o.config, verdict.model.metadata, tracking).catch((e: unknown) => {
        if (!isDfpError(e) || e.code !== 'NOT_FOUND') throw e;
        throw new DfpError('NOT_FOUND', `no --reference given, and the training data of ${verdict.uri} (serve.model) cannot be read: ${e.message}; pass --reference <file|lake ref>`, e.details, { cause: e });
      });
      const source = `${verdict.uri} training data (run ${t.run_id}, ${t.source.table})`;
      ref = { data: t.data, side: { source, rows: t.data.n, commit: t.source.commit }, flag: `the reference (${source})` };
    }
    const cur = await readSide(o, '--data', o.data);
    for (const [flag, n] of [[ref.flag, ref.data.n], [`--data '${cur.source.ref}'`, cur.data.n]] as const) {
      if (n < MIN_ROWS) throw new DfpError('INPUT_INVALID', `${flag} has ${n} usable row(s); comparing distributions needs at least ${MIN_ROWS}`, { rows: n });
    }
    const models: ScoredModel[] = [];
    for (const m of opened) {
      const { ref: r, metadata } = m.model;
      models.push({
        name: r.name,
        version: r.version,
        kind: metadata.kind,
        threshold: metadata.threshold,
        reference: (await m.model.score(ref.data.x, ref.data.n)).scores,
        current: (await m.model.score(cur.data.x, cur.data.n)).scores,
      });
    }
    const report = driftReport({
      columns: FEATURE_COLUMNS,
      reference: { ...ref.side, x: matrix(ref.data), family: ref.data.family },
      current: { source: cur.source.ref, rows: cur.data.n, commit: cur.source.commit || null, x: matrix(cur.data), month: cur.data.month, family: cur.data.family, label: cur.data.y },
      models,
      thresholds: configThresholds(o.config, o.thresholds),
    });
    const plots = o.plotsDir ? await writeDriftPlots(o.plotsDir, report, models) : undefined;
    return { ...report, notes, ...(plots ? { plots } : {}) };
  } finally {
    for (const m of opened) await m.model.close();
    await tracking.close();
  }
}

/** score-<model>.svg/.png per scored model, and months.svg/.png when the current apps span months. */
async function writeDriftPlots(dir: string, report: DriftReport, models: ScoredModel[]): Promise<Record<string, { svg: string; png: string }>> {
  const charts: Record<string, string> = {};
  for (const m of models) {
    charts[`score-${m.name.replace(/[^\w.-]+/g, '_')}`] = scoreShiftSvg({ title: `${m.name} v${m.version}`, threshold: m.threshold, reference: m.reference, current: m.current });
  }
  if (report.months.length) charts.months = monthsSvg({ months: report.months, features: report.features.length, referenceAlertRate: report.score?.reference_alert_rate ?? null });
  return writeCharts(dir, charts);
}
