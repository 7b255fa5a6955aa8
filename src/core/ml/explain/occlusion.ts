// Occlusion explanations for models without per-feature outputs (the classifier): how much the score drops when one
// given feature is reset to its training fill value. It runs the model once more per given feature, so it explains one
// app on request (the dashboard), never every API answer or every row of a batch.
import { FEATURE_COLUMNS } from '../../kronodroid/schema.ts';
import type { Attribution, Explainer, Rescore, RowOutputs } from './explainer.ts';

const F = FEATURE_COLUMNS.length;

export class Occlusion implements Explainer {
  readonly method = 'occlusion';

  constructor(
    /** The training fill value of each feature (preprocess.fill); without it nothing can be occluded. */
    private readonly fill: readonly number[] | undefined,
    private readonly active: readonly boolean[],
    private readonly k: number,
  ) {}

  fromOutputs(): undefined {
    return undefined;
  }

  csvFields(): undefined {
    return undefined;
  }

  async explain(x: Float32Array, row: RowOutputs, rescore: Rescore): Promise<Attribution[]> {
    const base = row.score;
    const fill = this.fill;
    if (!fill || fill.length !== F) return [];
    const idx = [...Array(F).keys()].filter((j) => this.active[j] && !Number.isNaN(x[j]!) && x[j] !== fill[j]);
    if (idx.length === 0) return [];
    const batch = new Float32Array(idx.length * F);
    idx.forEach((j, i) => {
      batch.set(x.subarray(0, F), i * F);
      batch[i * F + j] = fill[j]!;
    });
    const scores = await rescore(batch, idx.length);
    return idx
      .map((j, i) => ({ name: FEATURE_COLUMNS[j]!, value: base - scores[i]! }))
      .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
      .slice(0, this.k);
  }
}
