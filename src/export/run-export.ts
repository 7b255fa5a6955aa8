// One export as `dfp export` runs it: write the artefact, then measure parity against onnxruntime on generated rows.
import { readFileSync } from 'node:fs';
import { DfpError } from '../core/errors.ts';
import type { TensorInfo } from './files.ts';
import { exportOnnx, type OnnxExportMetadata } from './onnx/export-onnx.ts';
import { type GraphRunner, type NamedArray, openGraph } from '../engine/onnxruntime/index.ts';
import { maxAbsDiff, maxScaledDiff } from './parity.ts';
import { sampleRows } from './sample.ts';
import { evalTflite } from './tflite/eval.ts';
import { exportTflite } from './tflite/export-tflite.ts';
import { readTflite } from './tflite/read.ts';
import type { ExportFormat } from './formats.ts';

export { type ExportFormat, FORMATS } from './formats.ts';
/** Largest tolerated difference from onnxruntime on the original graph: absolute up to 1, relative above (parity.ts). */
export const TOLERANCE: Record<ExportFormat, number> = { onnx: 1e-5, tflite: 1e-4 };

export interface ExportResult {
  format: ExportFormat;
  path: string;
  opset?: number;
  ops?: string[];
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** reference: what ran the exported file (onnxruntime, or dfp's TFLite reference evaluator reading the written bytes). */
  parity: { max_abs_diff: number; max_scaled_diff: number; rows: number; reference: string };
}

function feedsFor(inputs: TensorInfo[], rows: number): Record<string, { shape: number[]; data: Float32Array }> {
  const feeds: Record<string, { shape: number[]; data: Float32Array }> = {};
  inputs.forEach((v, i) => {
    const rest = v.shape.slice(1);
    if (v.dtype !== 'float32' || rest.some((d) => d < 0)) throw new DfpError('INPUT_INVALID', `input '${v.name}' is ${v.dtype} [${v.shape}]; parity rows need float32 [N, fixed...]`);
    const width = rest.reduce((a, b) => a * b, 1);
    feeds[v.name] = { shape: [rows, ...rest], data: sampleRows(rows, width, 101 + i) };
  });
  return feeds;
}

export async function runExport(o: { onnxPath: string; format: ExportFormat; outDir: string; name: string; rows: number; metadata?: OnnxExportMetadata }): Promise<ExportResult> {
  const original = new Uint8Array(readFileSync(o.onnxPath));
  let res: Omit<ExportResult, 'parity'>;
  let run: (feeds: Record<string, { shape: number[]; data: Float32Array }>) => Promise<NamedArray[]>;
  let reference: string;
  // Sessions opened here are released before returning, whatever happens.
  const graphs: GraphRunner[] = [];
  const open = async (bytes: Uint8Array) => {
    const g = await openGraph(bytes);
    graphs.push(g);
    return g;
  };
  let diff: number;
  let abs: number;
  try {
    if (o.format === 'onnx') {
      const r = await exportOnnx(original, o.outDir, { name: o.name, ...(o.metadata ? { metadata: o.metadata } : {}) });
      res = { format: 'onnx', path: r.path, opset: r.opset, inputs: r.inputs, outputs: r.outputs };
      run = (await open(new Uint8Array(readFileSync(r.path)))).run;
      reference = 'onnxruntime';
    } else {
      const r = exportTflite(original, o.outDir, { name: o.name });
      res = { format: 'tflite', path: r.path, ops: r.ops, inputs: r.inputs, outputs: r.outputs };
      const model = readTflite(new Uint8Array(readFileSync(r.path)));
      run = async (feeds) => evalTflite(model, feeds);
      reference = 'dfp-tflite-reference';
    }
    const feeds = feedsFor(res.inputs, o.rows);
    const want = await (await open(original)).run(feeds);
    const got = await run(feeds);
    diff = maxScaledDiff(want, got);
    abs = maxAbsDiff(want, got);
  } finally {
    await Promise.all(graphs.map((g) => g.release()));
  }
  if (!(diff <= TOLERANCE[o.format])) {
    throw new DfpError('INTERNAL', `the exported ${o.format} model (${res.path}) differs from the original by ${diff} (scaled; > ${TOLERANCE[o.format]}) on ${o.rows} generated rows; do not ship it, and report the model`);
  }
  return { ...res, parity: { max_abs_diff: abs, max_scaled_diff: diff, rows: o.rows, reference } };
}
