// Micro-batcher: rows from concurrent requests are written into one reused buffer and scored by one session.run.
import type { RowOutputs, ScoreBatch } from '../core/ml/explain/explainer.ts';
import { N_FEATURES } from '../core/scoring/features.ts';

/** What the batcher runs: one forward pass over the first `rows` rows of a reused buffer (src/runtime/scorer.ts). */
export interface BatchScorer {
  score(x: Float32Array, rows: number): Promise<ScoreBatch>;
  /** When its explainer reads raw rows, each row's result carries a copy of its input. */
  readonly explainer?: { readonly needsInput?: boolean };
}

export interface BatcherOptions {
  /** Most rows per run. */
  maxRows: number;
  /** Longest a row waits for company when the session is idle (0 = until the current I/O callbacks are done). */
  maxWaitMs: number;
  /** Runs in flight at once; while they run, new rows pile up into the next batch. */
  maxInflight?: number;
  /** Told the size of every batch (metrics). */
  onBatch?: (rows: number) => void;
  /**
   * Told every scored batch before its rows' callers resume: the rows as scored (row-major, the first `rows` rows of
   * x) and the outputs. Both are reused afterwards: copy what you keep. Drift monitoring reads the traffic here.
   */
  onScored?: (x: Float32Array, rows: number, out: ScoreBatch) => void;
  /**
   * Arms the wait of a partial batch: calls `flush` once the wait is over and returns a cancel. Default: a timer of
   * maxWaitMs (setImmediate when 0). Tests pass their own to decide when a partial batch goes, never by the clock.
   */
  schedule?: Schedule;
}

/** Arms a one-shot wait (flush is never called before it returns); the returned function cancels it if it has not fired. */
export type Schedule = (flush: () => void, waitMs: number) => () => void;

/** The production wait: a timer, or the end of the current I/O callbacks when waitMs is 0. */
const timerSchedule: Schedule = (flush, waitMs) => {
  if (waitMs > 0) {
    const t = setTimeout(flush, waitMs);
    return () => clearTimeout(t);
  }
  const i = setImmediate(flush);
  return () => clearImmediate(i);
};

/** A row's outcome: views into the batch output (valid until the caller's next await; copy to keep). */
export type RowResult = RowOutputs;

interface Pending {
  buf: Float32Array;
  rows: number;
  waiters: { resolve: (r: RowResult) => void; reject: (e: unknown) => void }[];
}

export class MicroBatcher<S extends BatchScorer = BatchScorer> {
  private readonly free: Float32Array[] = [];
  /** Batches waiting for a run slot, oldest first; only the last one takes new rows. */
  private queue: Pending[] = [];
  /** Cancels the armed wait of the open batch; undefined when none is armed. */
  private timer: (() => void) | undefined;
  private inflight = 0;
  private readonly maxInflight: number;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly scorer: S,
    private readonly opts: BatcherOptions,
  ) {
    this.maxInflight = opts.maxInflight ?? 1;
  }

  /** Rows queued or batches running; 0 means the scorer can be closed. */
  get busy(): number {
    return this.queue.reduce((n, p) => n + p.rows, 0) + this.inflight;
  }

  /**
   * Reserves a row, lets `fill` write it in place (synchronously), and resolves with its score. If fill throws,
   * the row is given back and the error propagates synchronously: nothing was queued.
   */
  submit(fill: (buf: Float32Array, offset: number) => void): Promise<RowResult> {
    let p = this.queue[this.queue.length - 1];
    if (!p || p.rows >= this.opts.maxRows) {
      p = { buf: this.free.pop() ?? new Float32Array(this.opts.maxRows * N_FEATURES), rows: 0, waiters: [] };
      this.queue.push(p);
    }
    fill(p.buf, p.rows * N_FEATURES);
    p.rows++;
    const promise = new Promise<RowResult>((resolve, reject) => p.waiters.push({ resolve, reject }));
    if (p.rows >= this.opts.maxRows) this.run();
    else if (this.timer === undefined && this.inflight < this.maxInflight) this.arm();
    return promise;
  }

  /** Scores `rows` rows of x (row-major) through the queue, as that many submits would; resolves with their scores. */
  async scoreRows(x: Float32Array, rows: number): Promise<Float32Array> {
    const each = Array.from({ length: rows }, (_, i) => this.submit((buf, off) => buf.set(x.subarray(i * N_FEATURES, (i + 1) * N_FEATURES), off)));
    return Float32Array.from(await Promise.all(each), (r) => r.score);
  }

  /** Resolves when no row is queued or running (used before closing a swapped-out model). */
  drained(): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private arm(): void {
    this.timer = (this.opts.schedule ?? timerSchedule)(() => this.onTimer(), this.opts.maxWaitMs);
  }

  private disarm(): void {
    if (this.timer === undefined) return;
    this.timer();
    this.timer = undefined;
  }

  private onTimer(): void {
    this.timer = undefined;
    this.run();
  }

  /** Starts runs for queued batches while run slots are free (a partial batch only goes when its wait is over). */
  private run(): void {
    while (this.inflight < this.maxInflight) {
      const batch = this.queue[0];
      if (!batch || batch.rows === 0) return;
      if (batch.rows < this.opts.maxRows && this.timer !== undefined && this.queue.length === 1) return;
      this.queue.shift();
      if (this.queue.length === 0) this.disarm();
      this.inflight++;
      this.opts.onBatch?.(batch.rows);
      this.scorer.score(batch.buf, batch.rows).then(
        (out) => this.settle(batch, out, undefined),
        (e: unknown) => this.settle(batch, undefined, e),
      );
    }
  }

  private settle(batch: Pending, out: ScoreBatch | undefined, err: unknown): void {
    this.inflight--;
    if (out) this.opts.onScored?.(batch.buf, batch.rows, out);
    this.free.push(batch.buf);
    if (out) {
      // Explainers that read the raw row get their own copy: the batch buffer is reused by the next batch.
      const copy = this.scorer.explainer?.needsInput === true;
      batch.waiters.forEach((w, i) =>
        w.resolve({ score: out.scores[i]!, errors: out.featureErrors, offset: i * N_FEATURES, ...(copy ? { input: batch.buf.slice(i * N_FEATURES, (i + 1) * N_FEATURES) } : {}) }),
      );
    } else batch.waiters.forEach((w) => w.reject(err));
    // Rows that arrived during the run go next, without waiting for a timer: they already waited.
    this.disarm();
    this.run();
    if (this.busy === 0) {
      const ws = this.idleWaiters;
      this.idleWaiters = [];
      ws.forEach((w) => w());
    }
  }
}
