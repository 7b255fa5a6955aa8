// A loaded model ready to score: its session, its metadata (threshold, preprocessing) and the explainer its metadata
// picks. The API, the dashboard, `dfp score`, `dfp evaluate` and training's own evaluation all score through it.
import { basename, resolve } from 'node:path';
import { type Explainer, type ScoreBatch, explainerFor } from '../core/ml/explain/index.ts';
import type { ModelMetadata } from '../core/ml/models/metadata.ts';
import type { LoadedModel, ModelRef } from '../core/scoring/model-source.ts';
import { readModelDir } from './model-dir.ts';
import { ModelSession } from './session.ts';

export interface ScorerOptions {
  /** onnxruntime intra-op threads (default 1). */
  threads?: number;
}

export class Scorer {
  private constructor(
    readonly ref: ModelRef,
    readonly metadata: ModelMetadata,
    readonly explainer: Explainer,
    /** Where the model was read from (a directory, a models:/ URI). */
    readonly source: string,
    private readonly session: ModelSession,
  ) {}

  static async open(model: LoadedModel, o: ScorerOptions = {}): Promise<Scorer> {
    const session = await ModelSession.open(model.onnx, model.source, o.threads ?? 1);
    return new Scorer(model.ref, model.metadata, explainerFor(model.metadata), model.source, session);
  }

  /** Opens a model directory; its ref is the directory's name unless given. */
  static async load(dir: string, o: ScorerOptions & { ref?: ModelRef } = {}): Promise<Scorer> {
    const abs = resolve(dir);
    return Scorer.open(readModelDir(abs, o.ref ?? { name: basename(abs), version: '' }), o);
  }

  /** Scores the first `rows` rows of x (default: all); see ModelSession.run. */
  score(x: Float32Array, rows?: number): Promise<ScoreBatch> {
    return this.session.run(x, rows);
  }

  /** dfp's rule everywhere: a score strictly above the threshold is flagged. */
  flagged(score: number): boolean {
    return score > this.metadata.threshold;
  }

  /** Releases the session; call it only once every score() has settled. */
  close(): Promise<void> {
    return this.session.close();
  }
}
