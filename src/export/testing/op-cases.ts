// Test support: one tiny graph per supported ONNX op (or small op group) with the TFLite ops it must become.
import { mulberry32 } from '../../core/ml/index.ts';
import { builderModel, rawModel } from './graphs.ts';

export const W = 4;
export const ROWS = 5;
const w43 = [0.5, -1, 0.25, 2, 0.1, -0.3, -0.7, 0.4, 1.5, 0.2, -0.6, 0.9];

export function rows(kind: 'signed' | 'positive', seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: ROWS * W }, () => (kind === 'positive' ? 0.1 + 4 * r() : 4 * r() - 2));
}

export interface Case { name: string; model: Uint8Array; expect: string[]; positive?: boolean }

const unary = (op: 'relu' | 'sigmoid' | 'tanh' | 'exp' | 'log' | 'abs' | 'sqrt' | 'neg', tfl: string, positive = false): Case => ({
  name: op,
  model: builderModel(W, (g, x) => ({ y: g[op](x) })),
  expect: [tfl],
  positive,
});

export const cases: Case[] = [
  { name: 'Gemm', model: builderModel(W, (g, x) => ({ y: g.gemm(x, g.constant(w43, [4, 3]), g.constant([0.1, 0.2, -0.3], [3])) })), expect: ['FULLY_CONNECTED'] },
  {
    name: 'Gemm transB alpha beta, [1, M] bias',
    model: rawModel({
      width: W,
      nodes: [{ op: 'Gemm', inputs: ['x', 'B', 'C'], output: 'y', attrs: { transB: { int: 1 }, alpha: 0.5, beta: 2 } }],
      consts: { B: { dims: [3, 4], values: w43 }, C: { dims: [1, 3], values: [1, -1, 0.5] } },
      outputs: { y: ['N', 3] },
    }),
    expect: ['FULLY_CONNECTED'],
  },
  { name: 'Gemm+Relu (fused)', model: builderModel(W, (g, x) => ({ y: g.relu(g.gemm(x, g.constant(w43, [4, 3]), g.constant([0.1, -2, 0.3], [3]))) })), expect: ['FULLY_CONNECTED'] },
  { name: 'Gemm+Tanh (not fused)', model: builderModel(W, (g, x) => ({ y: g.tanh(g.gemm(x, g.constant(w43, [4, 3]))) })), expect: ['FULLY_CONNECTED', 'TANH'] },
  {
    name: 'Gemm, pre-activation also an output (no fusion)',
    model: builderModel(W, (g, x) => {
      const h = g.gemm(x, g.constant(w43, [4, 3]), g.constant([0.1, -2, 0.3], [3]));
      return { pre: h, y: g.relu(h) };
    }),
    expect: ['FULLY_CONNECTED', 'RELU'],
  },
  { name: 'MatMul', model: builderModel(W, (g, x) => ({ y: g.matmul(x, g.constant(w43, [4, 3])) })), expect: ['FULLY_CONNECTED'] },
  { name: 'MatMul+Add+Relu (fused)', model: builderModel(W, (g, x) => ({ y: g.relu(g.add(g.matmul(x, g.constant(w43, [4, 3])), g.constant([0.5, -0.5, 0], [3]))) })), expect: ['FULLY_CONNECTED'] },
  { name: 'Add [F] const', model: builderModel(W, (g, x) => ({ y: g.add(x, g.constant([1, 2, 3, 4], [4])) })), expect: ['ADD'] },
  { name: 'Sub scalar, Sub x-x', model: builderModel(W, (g, x) => ({ y: g.sub(g.scalar(1.5), x), z: g.sub(x, g.mul(x, x)) })), expect: ['MUL', 'SUB'] },
  { name: 'Mul [1, F] const', model: builderModel(W, (g, x) => ({ y: g.mul(x, g.constant([0.5, 2, -1, 3], [1, 4])) })), expect: ['MUL'] },
  { name: 'Div by const and by input', model: builderModel(W, (g, x) => ({ y: g.div(x, g.constant([2, 4, 8, 0.5], [4])), z: g.div(g.scalar(1), x) })), expect: ['DIV'], positive: true },
  unary('relu', 'RELU'),
  unary('sigmoid', 'LOGISTIC'),
  unary('tanh', 'TANH'),
  unary('exp', 'EXP'),
  unary('log', 'LOG', true),
  unary('abs', 'ABS'),
  unary('sqrt', 'SQRT', true),
  unary('neg', 'NEG'),
  { name: 'ReduceSum axis 1', model: builderModel(W, (g, x) => ({ y: g.reduceSum(x, [1]), k: g.reduceSum(x, [-1], true) })), expect: ['SUM'] },
  { name: 'ReduceMean axis 1', model: builderModel(W, (g, x) => ({ y: g.reduceMean(x, [1]), k: g.reduceMean(x, [1], true) })), expect: ['MEAN'] },
  { name: 'ReduceSum over the batch', model: builderModel(W, (g, x) => ({ y: g.reduceSum(x, [0]) })), expect: ['SUM'] },
  {
    name: 'Reshape with -1 and 0',
    model: rawModel({
      width: W,
      nodes: [
        { op: 'Reshape', inputs: ['x', 's'], output: 'r' },
        { op: 'Reshape', inputs: ['r', 's2'], output: 'y' },
      ],
      consts: { s: { dims: [3], values: [-1, 2, 2], dtype: 'int64' }, s2: { dims: [2], values: [0, 4], dtype: 'int64' } },
      outputs: { y: ['N', 4], r: ['N', 2, 2] },
    }),
    expect: ['RESHAPE'],
  },
  { name: 'Greater + Where', model: builderModel(W, (g, x) => ({ y: g.where(g.greater(x, g.scalar(0.25)), x, g.constant([9, 8, 7, 6], [4])) })), expect: ['GREATER', 'SELECT_V2'] },
  { name: 'Where on a constant bool mask', model: builderModel(W, (g, x) => ({ y: g.where(g.constant([1, 0, 1, 0], [4], 'bool'), g.exp(x), x) })), expect: ['EXP', 'SELECT_V2'] },
  { name: 'Identity of the input', model: builderModel(W, (_g, x) => ({ y: x })), expect: ['RESHAPE'] },
  {
    name: 'Identity inside the graph',
    model: rawModel({ width: W, nodes: [{ op: 'Identity', inputs: ['x'], output: 'i' }, { op: 'Relu', inputs: ['i'], output: 'y' }], outputs: { y: ['N', 4] } }),
    expect: ['RELU'],
  },
  { name: 'Pow', model: builderModel(W, (g, x) => ({ y: g.pow(x, g.scalar(2)) })), expect: ['POW'], positive: true },
  {
    name: 'Max, Min, Less, Clip',
    model: rawModel({
      width: W,
      nodes: [
        { op: 'Max', inputs: ['x', 'lo'], output: 'mx' },
        { op: 'Min', inputs: ['mx', 'hi'], output: 'y' },
        { op: 'Clip', inputs: ['x', 'lo', 'hi'], output: 'c' },
        { op: 'Less', inputs: ['x', 'lo'], output: 'l' },
        { op: 'Where', inputs: ['l', 'hi', 'x'], output: 'w' },
      ],
      consts: { lo: { dims: [], values: [-0.5] }, hi: { dims: [], values: [0.75] } },
      outputs: { y: ['N', 4], c: ['N', 4], w: ['N', 4] },
    }),
    expect: ['LESS', 'MAXIMUM', 'MINIMUM', 'SELECT_V2'],
  },
  {
    name: 'Transpose, Concat, Flatten, Unsqueeze, Squeeze',
    model: rawModel({
      width: W,
      nodes: [
        { op: 'Concat', inputs: ['x', 'x'], output: 'cat', attrs: { axis: { int: -1 } } },
        { op: 'Unsqueeze', inputs: ['cat', 'ax'], output: 'u' },
        { op: 'Transpose', inputs: ['u'], output: 't', attrs: { perm: { ints: [0, 2, 1] } } },
        { op: 'Flatten', inputs: ['t'], output: 'f', attrs: { axis: { int: 1 } } },
        { op: 'Unsqueeze', inputs: ['f', 'ax'], output: 'u2' },
        { op: 'Squeeze', inputs: ['u2', 'ax'], output: 'y' },
      ],
      consts: { ax: { dims: [1], values: [1], dtype: 'int64' } },
      outputs: { y: ['N', 8] },
    }),
    expect: ['CONCATENATION', 'RESHAPE', 'TRANSPOSE'],
  },
];

