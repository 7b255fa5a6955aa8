// Test support: a tiny real ONNX MLP (4 → 3 relu → 1 sigmoid) with seeded weights, built with the core encoder.
import { IR_VERSION, OPSET, encodeModel, initParams, mlpParams } from '../../core/ml/index.ts';

export const TINY_FEATURES = 4;

export function tinyOnnx(seed = 7): Uint8Array {
  const spec = { sizes: [TINY_FEATURES, 3, 1], activations: ['relu', 'sigmoid'] as ('relu' | 'sigmoid')[] };
  const infos = mlpParams(spec);
  const values = initParams(infos, seed);
  // non-zero biases so the test also checks that bias terms survive the round trip
  values[1]!.set([0.1, -0.2, 0.3]);
  values[3]!.set([0.05]);
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return encodeModel({
    graphName: 'dfp_tiny',
    opset: OPSET,
    irVersion: IR_VERSION,
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', TINY_FEATURES] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 1] }],
    initializers: infos.map((p, i) => ({ name: p.name, dtype: 'float32', dims: p.shape, data: bytes(values[i]!) })),
    nodes: [
      { opType: 'Gemm', inputs: ['x', 'l0.W', 'l0.b'], outputs: ['h0'] },
      { opType: 'Relu', inputs: ['h0'], outputs: ['a0'] },
      { opType: 'Gemm', inputs: ['a0', 'l1.W', 'l1.b'], outputs: ['h1'] },
      { opType: 'Sigmoid', inputs: ['h1'], outputs: ['y'] },
    ],
  });
}

/** Fixed rows to score on both sides of the interop test. */
export const TINY_ROWS: number[][] = [
  [0.1, 0.2, 0.3, 0.4],
  [1, 0, -1, 0.5],
  [-0.7, 2.5, 0.25, -1.25],
];
