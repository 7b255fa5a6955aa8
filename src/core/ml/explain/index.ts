// Public surface of the explainers, and the one place a model's metadata picks its explanation method.
import { DEFAULT_TOP_K, type ModelMetadata } from '../models/metadata.ts';
import type { Explainer } from './explainer.ts';
import { Occlusion } from './occlusion.ts';
import { ReconstructionZ } from './reconstruction-z.ts';
import { ensembleFromJson } from '../trees/ensemble.ts';
import { TreeShapExplainer } from './tree-shap.ts';

export type { Attribution, ExplanationMethod, Explainer, Rescore, RowOutputs, ScoreBatch } from './explainer.ts';
export { Occlusion } from './occlusion.ts';
export { type ErrorStats, ReconstructionZ, errorStats } from './reconstruction-z.ts';
export { TreeShapExplainer } from './tree-shap.ts';

/**
 * Error statistics (the autoencoder's) pick reconstruction z-scores; a tree detector's ensemble picks TreeSHAP; any
 * other model (the MLP, the blend of both) is explained by occlusion, on request: a blend's tree half alone would not
 * explain its score, and TreeSHAP costs milliseconds a row, too much for every answer of the default detector.
 */
export function explainerFor(m: ModelMetadata): Explainer {
  const k = m.top_k ?? DEFAULT_TOP_K;
  if (m.error_stats) return new ReconstructionZ(m.error_stats, m.preprocess.columns, m.preprocess.active, k);
  if (m.trees && m.detector === 'trees') return new TreeShapExplainer(ensembleFromJson(m.trees.ensemble, 'trees.ensemble'), m.trees.platt.a, m.preprocess.active, k);
  return new Occlusion(m.preprocess.fill, m.preprocess.active, k);
}
