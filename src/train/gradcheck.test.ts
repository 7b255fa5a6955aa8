// Gradient check: every differentiable op's backward, run by onnxruntime, against central finite differences.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FloatType, Graph, type T } from '../core/ml/graph/graph.ts';
import { type MlpSpec, mlpForward, mlpParams } from '../core/ml/graph/mlp.ts';
import { mulberry32 } from '../core/ml/prng.ts';
import { openSession, ort, tensor } from '../engine/onnxruntime/index.ts';

type Gen = (r: () => number) => number;
const anyVal: Gen = (r) => 2 * r() - 1;
const positive: Gen = (r) => 0.5 + r();
const awayFromZero: Gen = (r) => (r() < 0.5 ? -1 : 1) * (0.1 + r());
const prob: Gen = (r) => 0.05 + 0.9 * r();

interface In { shape: (number | string)[]; feed?: number[]; gen?: Gen; noGrad?: boolean }
interface Case { name: string; inputs: In[]; build: (g: Graph, xs: T[]) => T }

const gemmCase = (transA: boolean, transB: boolean, cShape: number[]): Case => ({
  name: `gemm transA=${transA} transB=${transB} C=[${cShape}]`,
  inputs: [{ shape: transA ? [4, 3] : [3, 4] }, { shape: transB ? [5, 4] : [4, 5] }, { shape: cShape }],
  build: (g, [a, b, c]) => g.gemm(a!, b!, c, { transA, transB, alpha: 0.7, beta: 1.3 }),
});
const unary = (name: string, f: (g: Graph, x: T) => T, gen: Gen = anyVal): Case => ({
  name,
  inputs: [{ shape: [3, 4], gen }],
  build: (g, [x]) => f(g, x!),
});

const CASES: Case[] = [
  gemmCase(false, false, [5]),
  gemmCase(true, false, [3, 5]),
  gemmCase(false, true, [1, 5]),
  gemmCase(true, true, [3, 1]),
  { name: 'matmul', inputs: [{ shape: [3, 4] }, { shape: [4, 2] }], build: (g, [a, b]) => g.matmul(a!, b!) },
  { name: 'add bias [3,4]+[4]', inputs: [{ shape: [3, 4] }, { shape: [4] }], build: (g, [a, b]) => g.add(a!, b!) },
  { name: 'add [3,1]+[1,4]', inputs: [{ shape: [3, 1] }, { shape: [1, 4] }], build: (g, [a, b]) => g.add(a!, b!) },
  { name: 'sub [3,4]-[3,1]', inputs: [{ shape: [3, 4] }, { shape: [3, 1] }], build: (g, [a, b]) => g.sub(a!, b!) },
  { name: 'mul [3,4]*[4]', inputs: [{ shape: [3, 4] }, { shape: [4] }], build: (g, [a, b]) => g.mul(a!, b!) },
  { name: 'mul same input twice', inputs: [{ shape: [3, 4] }], build: (g, [a]) => g.mul(a!, a!) },
  { name: 'div [3,4]/[4]', inputs: [{ shape: [3, 4] }, { shape: [4], gen: positive }], build: (g, [a, b]) => g.div(a!, b!) },
  unary('relu', (g, x) => g.relu(x), awayFromZero),
  unary('sigmoid', (g, x) => g.sigmoid(x)),
  unary('tanh', (g, x) => g.tanh(x)),
  unary('exp', (g, x) => g.exp(x)),
  unary('log', (g, x) => g.log(x), positive),
  unary('log1p', (g, x) => g.log1p(x), positive),
  unary('neg', (g, x) => g.neg(x)),
  unary('abs', (g, x) => g.abs(x), awayFromZero),
  unary('sqrt', (g, x) => g.sqrt(x), positive),
  unary('scale', (g, x) => g.scale(x, -2.5)),
  unary('reshape', (g, x) => g.reshape(x, [2, 6])),
  unary('reduceSum all', (g, x) => g.reduceSum(x)),
  unary('reduceSum axis 0', (g, x) => g.reduceSum(x, [0])),
  unary('reduceSum axis 1 keepdims', (g, x) => g.reduceSum(x, [1], true)),
  unary('reduceMean all', (g, x) => g.reduceMean(x)),
  unary('reduceMean axis -1', (g, x) => g.reduceMean(x, [-1])),
  unary('reduceMean axis 0 keepdims', (g, x) => g.reduceMean(x, [0], true)),
  {
    name: 'reduceMean over a symbolic batch dim',
    inputs: [{ shape: ['N', 4] }],
    build: (g, [x]) => g.reduceMean(x!),
  },
  {
    name: 'where (mask from Greater on a non-differentiable input)',
    inputs: [{ shape: [3, 4], noGrad: true }, { shape: [3, 4] }, { shape: [4] }],
    build: (g, [c, a, b]) => g.where(g.greater(c!, g.scalar(0)), a!, b!),
  },
  {
    name: 'dropout with a fed mask',
    inputs: [{ shape: [3, 4] }, { shape: [3, 4], noGrad: true, gen: (r) => (r() < 0.3 ? 0 : 1 / 0.7) }],
    build: (g, [x, m]) => g.dropout(x!, m!),
  },
  { name: 'mse', inputs: [{ shape: [3, 4] }, { shape: [3, 4] }], build: (g, [p, t]) => g.mse(p!, t!) },
  { name: 'mse symbolic batch', inputs: [{ shape: ['N', 4] }, { shape: ['N', 4] }], build: (g, [p, t]) => g.mse(p!, t!) },
  {
    name: 'bceWithLogits (large logits stay finite)',
    inputs: [{ shape: [3, 4], gen: (r) => 8 * (2 * r() - 1) }, { shape: [3, 4], gen: prob }],
    build: (g, [z, t]) => g.bceWithLogits(z!, t!),
  },
  {
    name: 'bce built from primitives (relu, abs, exp, log1p, mul, sub)',
    inputs: [{ shape: [3, 4], gen: awayFromZero }, { shape: [3, 4], gen: prob }],
    build: (g, [z, t]) => {
      const per = g.add(g.sub(g.relu(z!), g.mul(z!, t!)), g.log1p(g.exp(g.neg(g.abs(z!)))));
      return g.reduceMean(per);
    },
  },
  mlpCase({ sizes: [5, 4, 3, 5], activations: ['relu', 'tanh', 'linear'] }, 'mse'),
  mlpCase({ sizes: [4, 6, 3], activations: ['sigmoid', 'sigmoid'], dropout: [0.5] }, 'bce'),
];

/** A whole small network: forward + loss, gradients with respect to every parameter. */
function mlpCase(spec: MlpSpec, loss: 'mse' | 'bce'): Case {
  const infos = mlpParams(spec);
  const last = spec.sizes[spec.sizes.length - 1] as number;
  const hasMask = (spec.dropout ?? []).some((p) => p > 0);
  return {
    name: `mlp ${spec.sizes.join('-')} ${spec.activations.join('/')} ${loss}${hasMask ? ' + dropout' : ''}`,
    inputs: [
      { shape: [3, spec.sizes[0] as number], noGrad: true },
      { shape: [3, last], noGrad: true, gen: loss === 'bce' ? prob : anyVal },
      ...(hasMask ? [{ shape: [3, spec.sizes[1] as number], noGrad: true, gen: ((r) => (r() < 0.5 ? 0 : 2)) as Gen }] : []),
      ...infos.map((p) => ({ shape: p.shape, gen: ((r) => 0.8 * (2 * r() - 1)) as Gen })),
    ],
    build: (g, xs) => {
      const [x, t] = xs;
      const masks = hasMask ? new Map([[0, xs[2]!]]) : undefined;
      const ps = xs.slice(hasMask ? 3 : 2);
      const out = mlpForward(g, x!, ps, spec, { skipLast: loss === 'bce', masks });
      return loss === 'bce' ? g.bceWithLogits(out, t!) : g.mse(out, t!);
    },
  };
}

const TOL: Record<FloatType, { h: number; tol: number }> = {
  // float64: truncation O(h^2) and rounding O(eps/h) are both far below 1e-7.
  float64: { h: 1e-5, tol: 1e-7 },
  // float32: eps ~ 6e-8, so h = 1e-2 balances rounding (~1e-5 relative) against truncation (~1e-4).
  float32: { h: 1e-2, tol: 3e-3 },
};

async function check(c: Case, dtype: FloatType, seed: number): Promise<void> {
  const r = mulberry32(seed);
  const g = new Graph(dtype);
  const xs = c.inputs.map((inp, i) => g.input(`in${i}`, inp.shape));
  const y = c.build(g, xs);
  // Weight the output by fixed random numbers so every element's gradient differs (a plain sum would hide mistakes).
  const wShape = y.shape.map((d) => (typeof d === 'number' ? d : 3));
  const w = g.constant(Array.from({ length: wShape.reduce((a, b) => a * b, 1) }, () => 2 * r() - 1), wShape);
  const loss = g.reduceSum(g.mul(y, w));
  const diffIdx = c.inputs.map((inp, i) => (inp.noGrad ? -1 : i)).filter((i) => i >= 0);
  const grads = g.grad(loss, diffIdx.map((i) => xs[i]!));
  g.output(loss, 'loss');
  grads.forEach((gt, k) => g.output(gt, `grad${k}`));
  const session = await openSession(g.toBytes());

  const make = (n: number, f: () => number): Float32Array | Float64Array =>
    dtype === 'float64' ? Float64Array.from({ length: n }, f) : Float32Array.from({ length: n }, f);
  const dims = c.inputs.map((inp) => inp.shape.map((d) => (typeof d === 'number' ? d : 3)));
  const data = c.inputs.map((inp, i) => make(dims[i]!.reduce((a, b) => a * b, 1), () => (inp.gen ?? anyVal)(r)));
  const feeds = (): Record<string, ort.Tensor> => Object.fromEntries(data.map((d, i) => [`in${i}`, tensor(d, dims[i]!)]));
  const lossAt = async (): Promise<number> => Number((await session.run(feeds(), ['loss'])).loss!.data[0]);

  const out = await session.run(feeds());
  const { h, tol } = TOL[dtype];
  for (let k = 0; k < diffIdx.length; k++) {
    const arr = data[diffIdx[k]!]!;
    const analytic = out[`grad${k}`]!.data as Float32Array | Float64Array;
    assert.equal(analytic.length, arr.length, `${c.name}: grad${k} has the input's size`);
    for (let j = 0; j < arr.length; j++) {
      const x0 = arr[j]!;
      arr[j] = x0 + h;
      const up = await lossAt();
      arr[j] = x0 - h;
      const down = await lossAt();
      arr[j] = x0;
      const numeric = (up - down) / (2 * h);
      const a = analytic[j]!;
      const err = Math.abs(a - numeric) / Math.max(1, Math.abs(a), Math.abs(numeric));
      assert.ok(err <= tol, `${c.name} [${dtype}] input ${diffIdx[k]} element ${j}: analytic ${a} vs numeric ${numeric}`);
    }
  }
  await session.release();
}

for (const dtype of ['float64', 'float32'] as const) {
  for (const [i, c] of CASES.entries()) {
    test(`gradient check ${dtype}: ${c.name}`, async () => {
      await check(c, dtype, 1000 + i);
    });
  }
}
