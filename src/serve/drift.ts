/**
 * @module Live drift monitoring of `dfp serve`: every batch the served models score passes through `observe` (the
 * model runtime's onScored hook, after the scoring run, so the request has its answer as soon as it would without
 * monitoring); the rows the verdict model scored and each model version's scores are kept in count-based rolling
 * windows (the last `drift.window` apps). `report()` compares the window with the verdict model's reference — its
 * training data, read through tracking and the lake (src/drift/reference.ts) on the first GET /v1/drift of that
 * version and kept for the next ones, so neither start-up nor scoring waits for it — and answers the document of
 * `dfp drift --json` (src/core/drift/document.ts). Each version also gets feature-summary histograms in /metrics.
 */
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError, isDfpError } from '../core/errors.ts';
import { configThresholds, type DriftReport, type DriftSide, driftReport, MIN_ROWS } from '../core/drift/document.ts';
import type { Matrix } from '../core/drift/report.ts';
import type { ScoredModel } from '../core/drift/score.ts';
import { RollingWindow } from '../core/drift/window.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import type { ScoreBatch } from '../core/ml/explain/explainer.ts';
import type { ModelMetadata } from '../core/ml/models/metadata.ts';
import { N_FEATURES } from '../core/scoring/features.ts';
import type { ModelRef } from '../core/scoring/model-source.ts';
import type { Scorer } from '../runtime/scorer.ts';
import type { ServeMetrics } from './metrics.ts';
import type { ModelRole } from './model-set.ts';

/** A model's reference apps: where they come from, and the rows. */
export interface Reference {
  side: DriftSide;
  x: Matrix;
}

export interface DriftMonitorOptions {
  config: DfpConfig;
  metrics: ServeMetrics;
  /** The reference of the verdict model; default: its training data through tracking and the lake. */
  loadReference?: (metadata: ModelMetadata, ref: ModelRef) => Promise<Reference>;
}

const keyOf = (ref: ModelRef) => `${ref.name}\0${ref.version}`;

/** The training data of a served model, as src/drift/reference.ts finds it (loaded on first use: it reads the lake). */
async function trainingReference(config: DfpConfig, metadata: ModelMetadata, ref: ModelRef): Promise<Reference> {
  const { trainingData } = await import('../drift/reference.ts');
  const t = await trainingData(config, metadata).catch((e: unknown) => {
    if (!isDfpError(e) || e.code !== 'NOT_FOUND') throw e;
    throw new DfpError('NOT_FOUND', `GET /v1/drift compares recent apps with the training data of ${ref.name} version ${ref.version}, which cannot be read: ${e.message}`, e.details, { cause: e });
  });
  return { side: { source: `models:/${ref.name}/${ref.version} training data (run ${t.run_id}, ${t.source.table})`, rows: t.data.n, commit: t.source.commit }, x: { x: t.data.x, n: t.data.n } };
}

export class DriftMonitor {
  /** Rows the verdict model scored, since its current version was loaded. */
  private readonly rows: RollingWindow;
  private rowsOf: string | undefined;
  /** Recent scores per model version. */
  private readonly scores = new Map<string, RollingWindow>();
  private readonly references = new Map<string, Promise<Reference>>();
  /** Reference scores per (scoring model version, reference model version). */
  private readonly referenceScores = new Map<string, Promise<Float32Array>>();
  private readonly load: (metadata: ModelMetadata, ref: ModelRef) => Promise<Reference>;

  constructor(private readonly o: DriftMonitorOptions) {
    this.rows = new RollingWindow(o.config.drift.window, N_FEATURES);
    this.load = o.loadReference ?? ((m, r) => trainingReference(o.config, m, r));
  }

  /** One scored batch of a served model (the holder's onScored): copies what the windows keep, fills the summaries. */
  observe(role: ModelRole, scorer: Scorer, x: Float32Array, rows: number, out: ScoreBatch): void {
    const ref = scorer.ref;
    const key = keyOf(ref);
    this.o.metrics.observeRows(ref, x, rows);
    let w = this.scores.get(key);
    if (!w) {
      // A new version of this model: its predecessor's scores mean something else.
      for (const k of this.scores.keys()) if (k.startsWith(`${ref.name}\0`)) this.scores.delete(k);
      this.scores.set(key, (w = new RollingWindow(this.o.config.drift.window, 1)));
    }
    w.push(out.scores, rows);
    if (role !== 'primary') return;
    if (this.rowsOf !== key) {
      // The verdict model changed, and with it the reference: the window starts again.
      this.rows.clear();
      this.rowsOf = key;
    }
    this.rows.push(x, rows);
  }

  /** The verdict model's reference, read once per version. */
  private reference(scorer: Scorer): Promise<Reference> {
    const key = keyOf(scorer.ref);
    let p = this.references.get(key);
    if (!p) {
      p = this.load(scorer.metadata, scorer.ref);
      // A failed read (tracking or lake unreachable) is tried again by the next request.
      p.catch(() => this.references.delete(key));
      this.references.set(key, p);
    }
    return p;
  }

  private referenceScoresOf(scorer: Scorer, refKey: string, reference: Reference): Promise<Float32Array> {
    const key = `${keyOf(scorer.ref)}\0${refKey}`;
    let p = this.referenceScores.get(key);
    if (!p) {
      // One run on the session beside the micro-batches, not through their queue: requests keep their batches.
      p = scorer.score(reference.x.x, reference.x.n).then((b) => Float32Array.from(b.scores));
      p.catch(() => this.referenceScores.delete(key));
      this.referenceScores.set(key, p);
    }
    return p;
  }

  /** The drift document of the window against the verdict model's reference (the shape of `dfp drift --json`). */
  async report(verdict: Scorer, fingerprint: Scorer | undefined): Promise<DriftReport> {
    const refKey = keyOf(verdict.ref);
    // The window first: too few apps is known without reading the reference.
    const current = this.rowsOf === refKey ? this.rows.snapshot() : { x: new Float32Array(0), n: 0 };
    if (current.n < MIN_ROWS) {
      throw new DfpError(
        'CONFLICT',
        `${current.n} app(s) scored by ${verdict.ref.name} version ${verdict.ref.version} so far; drift needs at least ${MIN_ROWS} (the last ${this.o.config.drift.window}, drift.window, are compared)`,
        { rows: current.n, needs: MIN_ROWS },
      );
    }
    const reference = await this.reference(verdict);
    const models: ScoredModel[] = [];
    for (const scorer of [verdict, ...(fingerprint ? [fingerprint] : [])]) {
      const window = this.scores.get(keyOf(scorer.ref));
      // Without the verdict's scores there is no `score`; the fingerprint model's alone are not it.
      if (!window || window.size < MIN_ROWS) {
        if (scorer === verdict) break;
        continue;
      }
      const { ref, metadata } = scorer;
      models.push({ name: ref.name, version: ref.version, kind: metadata.kind, threshold: metadata.threshold, reference: await this.referenceScoresOf(scorer, refKey, reference), current: window.snapshot().x });
    }
    const doc = driftReport({
      columns: FEATURE_COLUMNS,
      reference: { ...reference.side, x: reference.x },
      current: { source: 'serve:window', rows: current.n, commit: null, x: current },
      models,
      thresholds: configThresholds(this.o.config),
    });
    this.o.metrics.driftedFeatures.set({ model: verdict.ref.name, version: verdict.ref.version }, doc.features.filter((f) => f.drifted).length);
    for (const s of doc.score ? [doc.score, ...(doc.score.fingerprint ? [doc.score.fingerprint] : [])] : []) this.o.metrics.scorePsi.set({ model: s.model, version: s.version }, s.psi);
    return doc;
  }
}
