// TreeSHAP explanations for tree-ensemble detectors: each feature's exact Shapley share of the calibrated log-odds
// (src/core/ml/trees/shap.ts). Computed from the raw row alone, so every API answer and every batch row gets them.
import { FEATURE_COLUMNS } from '../../kronodroid/schema.ts';
import type { TreeEnsemble } from '../trees/ensemble.ts';
import { treeShap } from '../trees/shap.ts';
import type { Attribution, Explainer, RowOutputs, ScoreBatch } from './explainer.ts';

const round = (v: number) => Math.round(v * 1e4) / 1e4;

export class TreeShapExplainer implements Explainer {
  readonly method = 'tree_shap';
  readonly needsInput = true;

  constructor(
    private readonly model: TreeEnsemble,
    /** Platt slope: the exported score is sigmoid(a · margin + b), so contributions to its log-odds scale by a. */
    private readonly scale: number,
    private readonly active: readonly boolean[],
    private readonly k: number,
  ) {}

  /** The k largest |contributions| of row `row` of x (row-major), largest first. */
  private top(x: ArrayLike<number>, row: number): Attribution[] {
    const { values } = treeShap(this.model, x, row);
    const out: Attribution[] = [];
    values.forEach((v, j) => {
      if (v !== 0 && this.active[j]) out.push({ name: FEATURE_COLUMNS[j]!, value: round(v * this.scale) });
    });
    return out.sort((a, b) => Math.abs(b.value) - Math.abs(a.value)).slice(0, this.k);
  }

  fromOutputs(row: RowOutputs): Attribution[] | undefined {
    return row.input ? this.top(row.input, 0) : undefined;
  }

  csvFields(_batch: ScoreBatch, rows: number, x: Float32Array): string[] {
    return Array.from({ length: rows }, (_, i) => `"${JSON.stringify(this.top(x, i).map((a) => ({ name: a.name, z: a.value }))).replaceAll('"', '""')}"`);
  }

  async explain(x: Float32Array): Promise<Attribution[]> {
    return this.top(x, 0);
  }
}
