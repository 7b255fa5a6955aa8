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
 * Error statistics (the autoencoder's) pick reconstruction z-scores; a tree detector's ensemble picks TreeSHAP (the
 * blend's: TreeSHAP of its tree half, exact for that half's log-odds, and cheap enough for every answer); any other
 * model (the MLP) is explained by occlusion.
 */
export function explainerFor(m: ModelMetadata): Explainer {
  const k = m.top_k ?? DEFAULT_TOP_K;
  if (m.error_stats) return new ReconstructionZ(m.error_stats, m.preprocess.columns, m.preprocess.active, k);
  if (m.trees && (m.detector === 'trees' || m.detector === 'blend')) return new TreeShapExplainer(ensembleFromJson(m.trees.ensemble, 'trees.ensemble'), m.trees.platt.a, m.preprocess.active, k);
  return new Occlusion(m.preprocess.fill, m.preprocess.active, k);
}
