// Holds the served version of a model (for the API and the dashboard alike) and swaps it atomically when the alias
// moves: new requests go to the new model, requests already queued on the old one finish there, and the old session is
// released once it has drained.
import { DfpError, messageOf } from '../core/errors.ts';
import type { ScoreBatch } from '../core/ml/explain/explainer.ts';
import type { ModelRef, ModelSource } from '../core/scoring/model-source.ts';
import { MicroBatcher, type BatcherOptions } from './batcher.ts';
import { Scorer } from './scorer.ts';

export interface Served {
  batcher: MicroBatcher<Scorer>;
  source: string;
  loadedAt: string;
}

export interface HolderOptions {
  source: ModelSource;
  /** The registered model's name, known before it loads (for ?model= and messages); default: the loaded model's. */
  name?: string;
  alias: string;
  batcher: BatcherOptions;
  threads?: number;
  /** Re-resolve the alias this often (0 = never on its own). */
  pollMs?: number;
  /** Told every batch a version scores, with that version's scorer (drift monitoring); see BatcherOptions.onScored. */
  onScored?: (scorer: Scorer, x: Float32Array, rows: number, out: ScoreBatch) => void;
  /** Told after each swap (metrics, logs). */
  onSwap?: (next: ModelRef, previous: ModelRef | undefined) => void;
  onError?: (e: unknown) => void;
}

export interface ReloadOutcome {
  changed: boolean;
  model: ModelRef;
  previous?: ModelRef;
}

export class ModelHolder {
  /** What new requests use; replaced in one assignment. */
  current: Served | undefined;
  lastError: string | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | undefined;
  private retiring = new Set<Promise<void>>();

  constructor(readonly opts: HolderOptions) {}

  get alias(): string {
    return this.opts.alias;
  }

  /** The model's name: configured, else the loaded model's (undefined before a source without a name has loaded). */
  get name(): string | undefined {
    return this.opts.name ?? this.current?.batcher.scorer.ref.name;
  }

  /** First load plus polling; a failed first load leaves the server up but not ready (GET /readyz says why). */
  async start(): Promise<void> {
    await this.reload().catch((e: unknown) => {
      this.lastError = messageOf(e);
      this.opts.onError?.(e);
    });
    const ms = this.opts.pollMs ?? 0;
    if (ms > 0) {
      this.timer = setInterval(() => {
        this.reload().catch((e: unknown) => {
          this.lastError = messageOf(e);
          this.opts.onError?.(e);
        });
      }, ms);
      this.timer.unref();
    }
  }

  /** Resolves the alias and swaps if it points elsewhere. Reloads run one at a time. */
  reload(force = false): Promise<ReloadOutcome> {
    const run = this.chain.then(() => this.reloadNow(force));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(force: boolean): Promise<ReloadOutcome> {
    const ref = await this.opts.source.resolve(this.opts.alias);
    const prev = this.current;
    const prevRef = prev?.batcher.scorer.ref;
    if (!force && prevRef && prevRef.name === ref.name && prevRef.version === ref.version) return { changed: false, model: ref };
    const loaded = await this.opts.source.load(ref);
    const scorer = await Scorer.open(loaded, { threads: this.opts.threads ?? 1 });
    const observe = this.opts.onScored;
    const batcher: BatcherOptions = observe ? { ...this.opts.batcher, onScored: (x, rows, out) => observe(scorer, x, rows, out) } : this.opts.batcher;
    this.current = { batcher: new MicroBatcher(scorer, batcher), source: loaded.source, loadedAt: new Date().toISOString() };
    this.lastError = undefined;
    if (prev) this.retire(prev);
    this.opts.onSwap?.(ref, prevRef);
    return { changed: true, model: ref, ...(prevRef ? { previous: prevRef } : {}) };
  }

  /** The old batcher may still hold queued rows: close its session only once they are scored. */
  private retire(old: Served): void {
    const p = old.batcher
      .drained()
      .then(() => old.batcher.scorer.close())
      .catch((e: unknown) => this.opts.onError?.(e))
      .finally(() => this.retiring.delete(p));
    this.retiring.add(p);
  }

  /** The serving batcher or a 503-mapped error. */
  serving(): Served {
    if (!this.current) {
      const which = this.opts.name ? `no version of model '${this.opts.name}'` : 'no model';
      throw new DfpError('NOT_FOUND', `${which} is loaded for alias '${this.opts.alias}'${this.lastError ? `: ${this.lastError}` : ''}`, { status: 503 });
    }
    return this.current;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.chain;
    const cur = this.current;
    this.current = undefined;
    if (cur) this.retire(cur);
    await Promise.all([...this.retiring]);
  }
}
