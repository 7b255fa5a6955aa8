// Loads an exported model directory (model.onnx + preprocessing.json) and scores raw KronoDroid rows with it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DfpError, messageOf } from '../core/errors.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { type Explanation, explainRow } from '../core/ml/models/explain.ts';
import { METADATA_FILE, type ModelMetadata, ONNX_FILE, checkMetadata } from '../core/ml/models/metadata.ts';
import { openSession, ort } from './engine/session.ts';

export interface Scored {
  /** One score per row; > threshold means flagged (dfp's rule everywhere). */
  score: Float32Array;
  /** Autoencoder: per-feature reconstruction error, row-major [n, F]. */
  featureError?: Float32Array;
}

/** A loaded model: the ONNX session plus its metadata (threshold, preprocessing, explanation stats). */
export class ScoringModel {
  private constructor(
    readonly metadata: ModelMetadata,
    private readonly session: ort.InferenceSession,
    readonly dir: string,
  ) {}

  /** Opens `<dir>/model.onnx` and `<dir>/preprocessing.json`, checking the feature contract. */
  static async load(dir: string, o: { threads?: number } = {}): Promise<ScoringModel> {
    let metadata: ModelMetadata;
    let bytes: Uint8Array;
    try {
      metadata = JSON.parse(await readFile(join(dir, METADATA_FILE), 'utf8')) as ModelMetadata;
      bytes = await readFile(join(dir, ONNX_FILE));
    } catch (e) {
      throw new DfpError('NOT_FOUND', `${dir} is not a dfp model directory (needs ${ONNX_FILE} and ${METADATA_FILE}): ${messageOf(e)}`, { dir }, { cause: e });
    }
    checkMetadata(metadata, dir);
    return new ScoringModel(metadata, await openSession(bytes, { threads: o.threads ?? 1 }), dir);
  }

  /** Scores raw rows: x is row-major [n, FEATURE_COLUMNS.length] float32, NaN allowed for missing values. */
  async score(x: Float32Array): Promise<Scored> {
    const F = FEATURE_COLUMNS.length;
    if (x.length % F !== 0) throw new DfpError('INPUT_INVALID', `a row needs ${F} feature values (FEATURE_COLUMNS order); got ${x.length} values`);
    if (x.length === 0) return { score: new Float32Array(0), ...(this.metadata.kind === 'autoencoder' ? { featureError: new Float32Array(0) } : {}) };
    const out = await this.session.run({ x: new ort.Tensor('float32', x, [x.length / F, F]) });
    const score = (out.score as ort.Tensor).data as Float32Array;
    const fe = out.feature_error as ort.Tensor | undefined;
    return { score, ...(fe ? { featureError: fe.data as Float32Array } : {}) };
  }

  /** Autoencoder explanation of row i of a scored batch: mean/max |z| and the top-k features; undefined for the classifier. */
  explain(scored: Scored, i: number): Explanation | undefined {
    const m = this.metadata;
    if (!scored.featureError || !m.error_stats) return undefined;
    const F = m.preprocess.columns.length;
    return explainRow(scored.featureError.subarray(i * F, (i + 1) * F), m.error_stats, m.preprocess.columns, m.preprocess.active, m.top_k ?? 5);
  }

  flagged(score: number): boolean {
    return score > this.metadata.threshold;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
