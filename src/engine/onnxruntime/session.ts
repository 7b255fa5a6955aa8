// Opens onnxruntime-node sessions with the CPU settings dfp relies on (training steps, scoring, export parity).
import * as ort from 'onnxruntime-node';

export interface SessionOptions {
  /** Intra-op threads (ORT's per-op parallelism); 0 lets ORT pick one per core. */
  threads?: number;
  /** Graph optimisation level; 'all' fuses Gemm+Relu and folds constants. */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

export async function openSession(bytes: Uint8Array, o: SessionOptions = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: o.threads ?? 1,
    // Nodes run one after another: an MLP step is a chain, and a second pool would only fight the intra-op threads.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: o.optimization ?? 'all',
  });
}

export type Feeds = Record<string, ort.Tensor>;

/** Wraps a typed array as a tensor without copying. */
export function tensor(data: Float32Array | Float64Array, dims: readonly number[]): ort.Tensor {
  return data instanceof Float64Array ? new ort.Tensor('float64', data, dims) : new ort.Tensor('float32', data, dims);
}

export { ort };
