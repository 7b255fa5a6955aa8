// ONNX encoding: the bytes decode back to the same graph, with typed attributes and raw initializer data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph, IR_VERSION, OPSET } from './graph.ts';
import { buildInference, buildTrainStep } from './mlp.ts';
import { decodeModel } from './onnx-proto.ts';

interface Decoded {
  ir_version: number;
  opset_import: { version: number }[];
  graph: {
    node: { op_type: string; input: string[]; output: string[]; attribute?: { name: string; type: number; i?: number; f?: number }[] }[];
    input: { name: string; type: { tensor_type: { elem_type: number; shape: { dim: { dim_value?: number; dim_param?: string }[] } } } }[];
    output: { name: string }[];
    initializer: { name: string; data_type: number; raw_data: number[] }[];
  };
}

test('a small graph round-trips: versions, inputs with symbolic dims, typed attributes, initializers', () => {
  const g = new Graph('float32');
  const x = g.input('x', ['N', 3]);
  const w = g.input('w', [3, 2]);
  g.output(g.gemm(x, w, g.constant([1, 2], [2]), { transB: false, alpha: 0.5 }), 'y');
  const m = decodeModel(g.toBytes()) as unknown as Decoded;
  assert.equal(m.ir_version, IR_VERSION);
  assert.equal(m.opset_import[0]?.version, OPSET);
  assert.deepEqual(m.graph.input[0]?.type.tensor_type.shape.dim, [{ dim_param: 'N' }, { dim_value: 3 }]);
  const gemm = m.graph.node[0]!;
  assert.equal(gemm.op_type, 'Gemm');
  assert.deepEqual(gemm.output, ['y']);
  const attrs = Object.fromEntries((gemm.attribute ?? []).map((a) => [a.name, a]));
  assert.equal(attrs.transB?.type, 2); // INT
  assert.equal(attrs.transB?.i ?? 0, 0);
  assert.equal(attrs.alpha?.type, 1); // FLOAT
  assert.equal(attrs.alpha?.f, 0.5);
  const init = m.graph.initializer[0]!;
  assert.equal(init.data_type, 1);
  assert.deepEqual(Array.from(new Float32Array(Uint8Array.from(init.raw_data).buffer)), [1, 2]);
});

test('outputs are renamed producer values, not Identity copies; unused forward nodes are dropped', () => {
  const built = buildTrainStep({ spec: { sizes: [6, 3, 6], activations: ['relu', 'linear'] }, loss: 'mse', batch: 4, autoencoder: true });
  const m = decodeModel(built.bytes) as unknown as Decoded;
  assert.deepEqual(m.graph.output.map((o) => o.name), built.outputs);
  assert.deepEqual(m.graph.input.map((i) => i.name), built.inputs);
  assert.ok(!m.graph.node.some((n) => n.op_type === 'Identity'));
  const inf = decodeModel(buildInference({ spec: { sizes: [6, 3, 6], activations: ['relu', 'sigmoid'] } }).bytes) as unknown as Decoded;
  assert.deepEqual(inf.graph.node.map((n) => n.op_type), ['Gemm', 'Relu', 'Gemm', 'Sigmoid']);
});

test('an input marked as an output goes through Identity (a graph input cannot be renamed)', () => {
  const g = new Graph();
  const x = g.input('x', [2]);
  g.output(x, 'same');
  const m = decodeModel(g.toBytes()) as unknown as Decoded;
  assert.deepEqual(m.graph.node.map((n) => n.op_type), ['Identity']);
});
