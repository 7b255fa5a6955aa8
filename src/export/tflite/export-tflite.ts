// exportTflite: converts a dfp ONNX inference graph to a LiteRT (TFLite) flatbuffer and writes it.
import { readOnnxGraph } from '../../core/ml/export/index.ts';
import { type TensorInfo, writeArtifact } from '../files.ts';
import type { TfTensor } from './ir.ts';
import { lowerToTflite } from './lower.ts';
import { writeTflite } from './write.ts';

export interface TfliteExport {
  path: string;
  /** TFLite builtin ops in the model, sorted. */
  ops: string[];
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

/** Converts in memory: the .tflite bytes and what they contain. */
export function convertToTflite(modelBytes: Uint8Array): { bytes: Uint8Array; ops: string[]; inputs: TensorInfo[]; outputs: TensorInfo[] } {
  const { model, ops } = lowerToTflite(readOnnxGraph(modelBytes));
  const info = (i: number): TensorInfo => {
    const t = model.tensors[i] as TfTensor;
    return { name: t.name, dtype: t.type, shape: [...t.shape] };
  };
  return { bytes: writeTflite(model), ops, inputs: model.inputs.map(info), outputs: model.outputs.map(info) };
}

/** Writes `<outDir>/<name>.tflite` from ONNX model bytes. */
export function exportTflite(modelBytes: Uint8Array, outDir: string, opts: { name: string }): TfliteExport {
  const { bytes, ops, inputs, outputs } = convertToTflite(modelBytes);
  return { path: writeArtifact(outDir, opts.name, '.tflite', bytes), ops, inputs, outputs };
}
