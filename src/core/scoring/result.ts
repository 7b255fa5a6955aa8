// Turns one row's score (and per-feature errors) into the API's result: verdict, threshold, model, top features by |z|.
import { FEATURE_COLUMNS } from '../kronodroid/schema.ts';
import type { ScoringMetadata } from './metadata.ts';
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

/**
 * Top-k features by |z| over active features. A k-slot insertion list instead of sorting all F entries:
 * this runs once per request and k is small.
 */
export function topFeatures(errors: Float32Array, offset: number, meta: ScoringMetadata): TopFeature[] {
  const stats = meta.errorStats;
  if (!stats) return [];
  const k = meta.topK;
  const idx: number[] = [];
  const abs: number[] = [];
  const zs: number[] = [];
  for (let j = 0; j < FEATURE_COLUMNS.length; j++) {
    if (!meta.active[j]) continue;
    const z = (errors[offset + j]! - stats.mean[j]!) / stats.std[j]!;
    const a = Math.abs(z);
    if (!(a === a)) continue; // NaN error (should not happen) never ranks
    let p: number;
    if (idx.length < k) p = idx.push(j) - 1;
    else if (a > abs[k - 1]!) p = k - 1;
    else continue;
    idx[p] = j;
    abs[p] = a;
    zs[p] = z;
    // bubble the new entry up to keep the list sorted by |z| descending
    for (; p > 0 && abs[p - 1]! < abs[p]!; p--) {
      [idx[p - 1], idx[p]] = [idx[p]!, idx[p - 1]!];
      [abs[p - 1], abs[p]] = [abs[p]!, abs[p - 1]!];
      [zs[p - 1], zs[p]] = [zs[p]!, zs[p - 1]!];
    }
  }
  return idx.map((j, i) => ({ name: FEATURE_COLUMNS[j]!, z: round(zs[i]!) }));
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

export function shapeFingerprint(score: number, errors: Float32Array | undefined, offset: number, meta: ScoringMetadata, ref: ModelRef): FingerprintResult {
  const r = shapeResult(score, errors, offset, meta, ref);
  return { score: r.score, is_anomalous: r.is_malware, threshold: r.threshold, model: r.model, top_features: r.top_features };
}

export function shapeResult(score: number, errors: Float32Array | undefined, offset: number, meta: ScoringMetadata, ref: ModelRef): ScoreResult {
  return {
    score,
    is_malware: score > meta.threshold,
    threshold: meta.threshold,
    model: ref,
    top_features: errors ? topFeatures(errors, offset, meta) : [],
  };
}
