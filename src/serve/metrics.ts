// Prometheus metrics of one server (own registry, so several servers in one process do not collide).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ModelRef } from '../core/scoring/model-source.ts';

export class ServeMetrics {
  readonly registry = new Registry();
  readonly latency: Histogram<'route' | 'method' | 'status'>;
  readonly scores: Histogram<'model' | 'version'>;
  readonly verdicts: Counter<'model' | 'version' | 'is_malware'>;
  readonly batchRows: Histogram;
  readonly modelInfo: Gauge<'name' | 'version' | 'alias'>;

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

  modelSwapped(alias: string, next: ModelRef, previous: ModelRef | undefined): void {
    if (previous) this.modelInfo.remove(previous.name, previous.version, alias);
    this.modelInfo.set({ name: next.name, version: next.version, alias }, 1);
  }
}
