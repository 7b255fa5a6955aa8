// The worker side of the tree detector's fits (src/train/fit-trees.ts): one boosting run per job, and the margins of
// its held rows.
import { type BoostParams, type Rows, boost } from '../../core/ml/trees/boost.ts';
import { type TreeEnsemble, predictMargin } from '../../core/ml/trees/ensemble.ts';

export interface BoostJob {
  train: Rows;
  held?: Rows;
  features: number;
  params: Partial<BoostParams>;
}

export interface BoostOut {
  model: TreeEnsemble;
  rounds: number;
  /** Margins of the held rows (empty without them). */
  heldMargins: Float64Array;
}

export async function runJob(job: BoostJob): Promise<BoostOut> {
  const r = boost(job.train, job.features, job.params, job.held);
  return { model: r.model, rounds: r.rounds, heldMargins: job.held ? predictMargin(r.model, job.held.x, job.held.n) : new Float64Array(0) };
}
