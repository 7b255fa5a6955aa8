// Test and bench support: sample dfp-shaped models (raw-feature input, in-graph preprocessing) written as model directories.
import { FEATURE_COLUMNS } from '../../core/kronodroid/schema.ts';
import { initParams, mlpParams } from '../../core/ml/index.ts';
import {
  autoencoderMlp,
  buildAutoencoderInference,
  buildClassifierInference,
  classifierMlp,
  featureWeights,
  fitPreprocess,
} from '../../core/ml/models/index.ts';
import { errorStats } from '../../core/ml/explain/index.ts';
import type { ModelMetadata } from '../../core/ml/models/metadata.ts';
import { mulberry32 } from '../../core/ml/prng.ts';
import { N_FEATURES } from '../../core/scoring/features.ts';
import { writeModelDir as writeFiles } from '../../runtime/model-dir.ts';
import { openSession, ort } from '../../engine/onnxruntime/index.ts';

export interface ModelDirOptions {
  kind?: 'autoencoder' | 'classifier';
  hidden?: number[];
  latent?: number;
  seed?: number;
  threshold?: number;
}

/** n rows of count-like raw features (mostly small, some zero), deterministic per seed. */
export function sampleRows(n: number, seed = 1): Float32Array {
  const r = mulberry32(seed);
  const x = new Float32Array(n * N_FEATURES);
  for (let i = 0; i < x.length; i++) {
    const u = r();
    x[i] = u < 0.4 ? 0 : Math.floor(Math.exp(6 * r()));
  }
  return x;
}

/** One sample row as the JSON body a client sends. */
export function appBody(x: Float32Array, row = 0): Record<string, number> {
  const body: Record<string, number> = {};
  FEATURE_COLUMNS.forEach((c, j) => (body[c] = x[row * N_FEATURES + j]!));
  return body;
}

/**
 * Writes model.onnx + preprocessing.json. The autoencoder's error stats come from running the built graph on
 * "benign" sample rows, as training does on validation rows.
 */
export async function writeSampleModel(dir: string, o: ModelDirOptions = {}): Promise<{ onnx: Uint8Array; metadata: Record<string, unknown> }> {
  const kind = o.kind ?? 'autoencoder';
  const seed = o.seed ?? 7;
  const train = sampleRows(256, seed);
  const pre = fitPreprocess(train);
  let onnx: Uint8Array;
  let extra: Record<string, unknown>;
  if (kind === 'autoencoder') {
    const mlp = autoencoderMlp(N_FEATURES, { hidden: o.hidden ?? [16], latent: o.latent ?? 4, activation: 'relu', dropout: 0 });
    const params = initParams(mlpParams(mlp), seed);
    onnx = buildAutoencoderInference({ pre, mlp, weights: featureWeights(pre, { count: 1, binary: 1, numeric: 1 }), params });
    const session = await openSession(onnx);
    const val = sampleRows(128, seed + 1);
    const out = await session.run({ x: new ort.Tensor('float32', val, [128, N_FEATURES]) });
    await session.release();
    const scores = out.score!.data as Float32Array;
    const sorted = [...scores].sort((a, b) => a - b);
    extra = { error_stats: errorStats(out.feature_error!.data as Float32Array, N_FEATURES, pre.active), top_k: 5, threshold: o.threshold ?? sorted[Math.floor(sorted.length * 0.9)]! };
  } else {
    const mlp = classifierMlp(N_FEATURES, { hidden: o.hidden ?? [16], activation: 'relu', dropout: 0 });
    onnx = buildClassifierInference({ pre, mlp, params: initParams(mlpParams(mlp), seed), platt: { a: 1, b: 0 } });
    extra = { threshold: o.threshold ?? 0.5 };
  }
  const metadata = {
    format_version: 1,
    kind,
    input: { name: 'x', n_features: N_FEATURES, feature_list_hash: pre.featureListHash },
    outputs: kind === 'autoencoder' ? ['score', 'feature_error'] : ['score'],
    target_fpr: 0.01,
    score: kind === 'autoencoder' ? 'reconstruction_loss' : 'probability',
    preprocess: pre,
    run_id: `test-${seed}`,
    data: { commit: 'test', table: 'test', digest: 'test', ref: 'main' },
    split: { kind: 'stratified', train_months: [], test_months: [], validation_fraction: 0.25 },
    seen_sha256: [],
    created_at: new Date(0).toISOString(),
    ...extra,
  };
  await writeFiles(dir, onnx, metadata as unknown as ModelMetadata);
  return { onnx, metadata };
}
