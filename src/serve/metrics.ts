// Prometheus metrics of one server (own registry, so several servers in one process do not collide).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PERMISSION_COLUMNS, SYSCALL_COLUMNS, lakeName } from '../core/kronodroid/schema.ts';
import { FEATURE_INDEX, N_FEATURES } from '../core/scoring/features.ts';
import type { ModelRef } from '../core/scoring/model-source.ts';

/** Per input column: 1 a system call, 2 a permission flag, 0 anything else (one pass per row sums them all). */
const SUMMARY_KIND = (() => {
  const k = new Uint8Array(N_FEATURES);
  for (const c of SYSCALL_COLUMNS) k[FEATURE_INDEX.get(c)!] = 1;
  for (const c of PERMISSION_COLUMNS) k[FEATURE_INDEX.get(lakeName(c))!] = 2;
  return k;
})();

type Child = ReturnType<Histogram<'model' | 'version'>['labels']>;

export class ServeMetrics {
  readonly registry = new Registry();
  readonly latency: Histogram<'route' | 'method' | 'status'>;
  readonly scores: Histogram<'model' | 'version'>;
  readonly verdicts: Counter<'model' | 'version' | 'is_malware'>;
  readonly batchRows: Histogram;
  readonly modelInfo: Gauge<'name' | 'version' | 'alias'>;
  /** Feature summaries of the scored apps, per model version: what the traffic looks like, next to what it scores. */
  readonly appSyscalls: Histogram<'model' | 'version'>;
  readonly appPermissions: Histogram<'model' | 'version'>;
  readonly appMissing: Histogram<'model' | 'version'>;
  /** Set by each GET /v1/drift: drifted features and the score PSI of the window against the model's reference. */
  readonly driftedFeatures: Gauge<'model' | 'version'>;
  readonly scorePsi: Gauge<'model' | 'version'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'dfp_serve_' });
    this.latency = new Histogram({
      name: 'dfp_http_request_duration_seconds',
      help: 'HTTP request latency by route, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.scores = new Histogram({
      name: 'dfp_score',
      help: 'Scores returned (autoencoder: weighted reconstruction loss; classifier: probability)',
      labelNames: ['model', 'version'],
      // Covers probabilities and reconstruction losses alike.
      buckets: [0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99, 1, 1.5, 2, 3, 5, 10, 25, 100],
      registers: [this.registry],
    });
    this.verdicts = new Counter({ name: 'dfp_scored_apps_total', help: 'Apps scored, by verdict', labelNames: ['model', 'version', 'is_malware'], registers: [this.registry] });
    this.batchRows = new Histogram({
      name: 'dfp_micro_batch_rows',
      help: 'Rows per onnxruntime call (micro-batching)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers: [this.registry],
    });
    const summary = (name: string, help: string, buckets: number[]) => new Histogram({ name, help, labelNames: ['model', 'version'], buckets, registers: [this.registry] });
    this.appSyscalls = summary('dfp_app_syscalls', 'System calls per scored app (the sum of its system-call counts), by model version', [0, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7]);
    this.appPermissions = summary('dfp_app_permissions', 'Permission flags set per scored app, by model version', [0, 2, 5, 10, 15, 20, 30, 40, 60, 100]);
    this.appMissing = summary('dfp_app_missing_features', 'Features missing (filled by the model) per scored app, by model version', [0, 1, 2, 5, 10, 50, 100, N_FEATURES]);
    this.driftedFeatures = new Gauge({ name: 'dfp_drift_drifted_features', help: 'Features drifted in the last GET /v1/drift (recent requests vs the model\'s training data)', labelNames: ['model', 'version'], registers: [this.registry] });
    this.scorePsi = new Gauge({ name: 'dfp_drift_score_psi', help: 'PSI of the scores in the last GET /v1/drift (recent requests vs the model\'s training data)', labelNames: ['model', 'version'], registers: [this.registry] });
    this.modelInfo = new Gauge({ name: 'dfp_model_info', help: 'The model version being served (1) per alias', labelNames: ['name', 'version', 'alias'], registers: [this.registry] });
  }

  /**
   * Cached child handles per model version (a server scores with one or two models at once): labels() looks up a
   * hash per call, which shows at tens of thousands of requests per second.
   */
  private readonly scoreChildren = new Map<string, { h: ReturnType<Histogram<'model' | 'version'>['labels']>; t: ReturnType<Counter<'model' | 'version' | 'is_malware'>['labels']>; f: ReturnType<Counter<'model' | 'version' | 'is_malware'>['labels']> }>();

  observeScore(ref: ModelRef, score: number, isMalware: boolean): void {
    const key = `${ref.name}\0${ref.version}`;
    let c = this.scoreChildren.get(key);
    if (!c) {
      c = { h: this.scores.labels(ref.name, ref.version), t: this.verdicts.labels(ref.name, ref.version, 'true'), f: this.verdicts.labels(ref.name, ref.version, 'false') };
      this.scoreChildren.set(key, c);
    }
    c.h.observe(score);
    (isMalware ? c.t : c.f).inc();
  }

  private readonly summaryChildren = new Map<string, [Child, Child, Child]>();

  /** Feature summaries of `rows` scored rows (row-major, N_FEATURES wide) for the model version that scored them. */
  observeRows(ref: ModelRef, x: Float32Array, rows: number): void {
    const key = `${ref.name}\0${ref.version}`;
    let c = this.summaryChildren.get(key);
    if (!c) {
      c = [this.appSyscalls.labels(ref.name, ref.version), this.appPermissions.labels(ref.name, ref.version), this.appMissing.labels(ref.name, ref.version)];
      this.summaryChildren.set(key, c);
    }
    for (let r = 0; r < rows; r++) {
      const at = r * N_FEATURES;
      let calls = 0;
      let perms = 0;
      let missing = 0;
      for (let j = 0; j < N_FEATURES; j++) {
        const v = x[at + j]!;
        if (v !== v) missing++; // NaN: missing, filled by the model
        else if (SUMMARY_KIND[j] === 1) calls += v;
        else if (SUMMARY_KIND[j] === 2 && v === 1) perms++;
      }
      c[0].observe(calls);
      c[1].observe(perms);
      c[2].observe(missing);
    }
  }

  modelSwapped(alias: string, next: ModelRef, previous: ModelRef | undefined): void {
    if (previous) this.modelInfo.remove(previous.name, previous.version, alias);
    this.modelInfo.set({ name: next.name, version: next.version, alias }, 1);
  }
}
