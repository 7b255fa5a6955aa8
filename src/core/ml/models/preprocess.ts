// Preprocessing that is part of every model: NaN fill, log1p for counts, standardisation, clipping, 0/1 flags.
import type { Graph, T } from '../graph/graph.ts';
import { FEATURE_COLUMNS } from '../../kronodroid/schema.ts';
import { type FeatureKind, FEATURE_LIST_HASH, activeMask, assertNoLeakage, featureKind } from './features.ts';

/** Fitted preprocessing; saved in the model metadata and baked into the exported graph as constants. */
export interface PreprocessSpec {
  /** Raw input columns, in order (always FEATURE_COLUMNS). */
  columns: string[];
  featureListHash: string;
  kinds: FeatureKind[];
  /** False for excluded features: zero inside the model. */
  active: boolean[];
  /** Raw value used for NaN or negative inputs (the training mean). */
  fill: number[];
  /** Mean of the transformed column on the training rows. */
  center: number[];
  /** 1 / standard deviation (1 for constant columns, so unseen values still stand out). */
  scale: number[];
  /** Standardised values are clipped to [-clip, clip] so one extreme count cannot dominate. */
  clip: number;
}

const f32 = Math.fround;

/** Fits on raw rows (row-major, FEATURE_COLUMNS wide). NaN marks a missing value. */
export function fitPreprocess(x: Float32Array, opts: { exclude?: readonly string[]; clip?: number } = {}): PreprocessSpec {
  const columns = [...FEATURE_COLUMNS];
  assertNoLeakage(columns);
  const F = columns.length;
  const n = x.length / F;
  const kinds = columns.map(featureKind);
  const active = activeMask(opts.exclude ?? []);
  const fill: number[] = [];
  const center: number[] = [];
  const scale: number[] = [];
  for (let j = 0; j < F; j++) {
    let s = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i * F + j] as number;
      if (v > -1) {
        s += v;
        c++;
      }
    }
    const fj = c > 0 ? s / c : 0;
    fill.push(kinds[j] === 'binary' ? 0 : f32(fj));
    if (kinds[j] === 'binary') {
      center.push(0);
      scale.push(1);
      continue;
    }
    let m = 0;
    let m2 = 0;
    for (let i = 0; i < n; i++) {
      const t = transform(x[i * F + j] as number, kinds[j] as FeatureKind, fill[j] as number);
      m += t;
      m2 += t * t;
    }
    m /= Math.max(1, n);
    const sd = Math.sqrt(Math.max(0, m2 / Math.max(1, n) - m * m));
    center.push(f32(m));
    scale.push(f32(sd > 1e-6 ? 1 / sd : 1));
  }
  return { columns, featureListHash: FEATURE_LIST_HASH, kinds, active, fill, center, scale, clip: opts.clip ?? 10 };
}

function transform(v: number, kind: FeatureKind, fill: number): number {
  const u = v > -1 ? v : fill;
  return kind === 'count' ? Math.log1p(u) : u;
}

/** Plain-TypeScript preprocessing of raw rows: the reference the exported graph is tested against, and the trainer's input. */
export function preprocess(spec: PreprocessSpec, x: Float32Array): Float32Array {
  const F = spec.columns.length;
  const n = x.length / F;
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < F; j++) {
      const v = x[i * F + j] as number;
      out[i * F + j] = preprocessValue(spec, j, v);
    }
  }
  return out;
}

function preprocessValue(spec: PreprocessSpec, j: number, v: number): number {
  if (!spec.active[j]) return 0;
  const kind = spec.kinds[j] as FeatureKind;
  if (kind === 'binary') return v > 0.5 ? 1 : 0;
  const z = (transform(v, kind, spec.fill[j] as number) - (spec.center[j] as number)) * (spec.scale[j] as number);
  return z > spec.clip ? spec.clip : -spec.clip > z ? -spec.clip : z;
}

/** The same preprocessing as graph ops on x [N, F]; every parameter is a constant of the exported model. */
export function preprocessGraph(g: Graph, x: T, spec: PreprocessSpec): T {
  const F = spec.columns.length;
  const isCount = g.constant(spec.kinds.map((k) => (k === 'count' ? 1 : 0)), [F], 'bool');
  const isBin = g.constant(spec.kinds.map((k) => (k === 'binary' ? 1 : 0)), [F], 'bool');
  const active = g.constant(spec.active.map((a) => (a ? 1 : 0)), [F]);
  // Greater(NaN, -1) is false, so NaN (and impossible negatives) take the fill value.
  const filled = g.where(g.greater(x, g.scalar(-1)), x, g.constant(spec.fill, [F]));
  const logged = g.where(isCount, g.log1p(filled), filled);
  const z = g.mul(g.sub(logged, g.constant(spec.center, [F])), g.constant(spec.scale, [F]));
  const hi = g.scalar(spec.clip);
  const lo = g.scalar(-spec.clip);
  const clipped = g.where(g.greater(z, hi), hi, g.where(g.greater(lo, z), lo, z));
  const flag = g.where(g.greater(x, g.scalar(0.5)), g.scalar(1), g.scalar(0));
  return g.mul(g.where(isBin, flag, clipped), active);
}
