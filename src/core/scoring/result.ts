// Turns one row's score into the API's result: verdict, threshold, model, and the top features its explainer reads
// from the model's outputs (the autoencoder's z-scores; none for a method that would run the model again).
import type { Explainer, RowOutputs } from '../ml/explain/explainer.ts';
import type { ModelRef } from './model-source.ts';

export interface TopFeature {
  name: string;
  /** (error − benign mean) / benign std of this feature's reconstruction error. */
  z: number;
}

export interface ScoreResult {
  score: number;
  is_malware: boolean;
  threshold: number;
  model: ModelRef;
  /** Largest |z| first; empty for classifiers (they have no per-feature output). */
  top_features: TopFeature[];
  sha256?: string;
  /** Lookups only: features the online store did not hold, filled by the model's preprocessing. */
  imputed_features?: number;
  /** The fingerprint (anomaly) model's view of the same app, when the server has one beside the verdict's model. */
  fingerprint?: FingerprintResult;
}

/** An anomaly score beside the verdict: how far the app is from the benign apps the fingerprint model learnt. */
export interface FingerprintResult {
  score: number;
  /** score > threshold */
  is_anomalous: boolean;
  threshold: number;
  model: ModelRef;
  top_features: TopFeature[];
}

/** What shaping needs of a loaded model (src/runtime/scorer.ts's Scorer). */
export interface ShapedModel {
  readonly ref: ModelRef;
  readonly metadata: { readonly threshold: number };
  readonly explainer: Explainer;
}

/** The explainer's top features of the row, in the API's {name, z} form. */
export function topFeatures(row: RowOutputs, model: ShapedModel): TopFeature[] {
  return (model.explainer.fromOutputs(row) ?? []).map((a) => ({ name: a.name, z: a.value }));
}

export function shapeFingerprint(row: RowOutputs, model: ShapedModel): FingerprintResult {
  const r = shapeResult(row, model);
  return { score: r.score, is_anomalous: r.is_malware, threshold: r.threshold, model: r.model, top_features: r.top_features };
}

export function shapeResult(row: RowOutputs, model: ShapedModel): ScoreResult {
  const threshold = model.metadata.threshold;
  return {
    score: row.score,
    is_malware: row.score > threshold,
    threshold,
    model: model.ref,
    top_features: topFeatures(row, model),
  };
}
