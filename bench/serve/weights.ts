// Exports a dfp autoencoder's weights from its ONNX initializers (plus the preprocessing metadata) as JSON for the PyTorch peer.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel } from '../../src/core/ml/index.ts';

interface Tensor { name: string; dims?: number[]; raw_data?: number[]; data_type?: number }
interface Node { op_type: string; input: string[]; output: string[] }

function floats(t: Tensor): number[] {
  const bytes = Uint8Array.from(t.raw_data ?? []);
  return [...new Float32Array(bytes.buffer, 0, bytes.length / 4)];
}

/** Gemm weights in graph order ([in, out] + bias) and the per-feature score weights (the Mul feeding the score's ReduceSum). */
export function exportWeights(modelDir: string, outFile: string): void {
  const m = decodeModel(new Uint8Array(readFileSync(join(modelDir, 'model.onnx')))) as { graph: { node: Node[]; initializer: Tensor[] } };
  const init = new Map(m.graph.initializer.map((t) => [t.name, t]));
  const layers = m.graph.node
    .filter((n) => n.op_type === 'Gemm')
    .map((n) => {
      const W = init.get(n.input[1]!)!;
      const b = init.get(n.input[2]!)!;
      return { in: W.dims![0], out: W.dims![1], W: floats(W), b: floats(b) };
    });
  const scoreNode = m.graph.node.find((n) => n.output.includes('score'))!;
  const mul = m.graph.node.find((n) => n.output[0] === scoreNode.input[0] && n.op_type === 'Mul')!;
  const w = mul.input.map((i) => init.get(i)).find((t) => t !== undefined)!;
  const meta = JSON.parse(readFileSync(join(modelDir, 'preprocessing.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(outFile, JSON.stringify({ layers, feature_weights: floats(w), metadata: meta }));
}
