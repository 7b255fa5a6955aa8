// Runs an ONNX graph with onnxruntime-node on float32 rows: the reference every exported artefact is compared with.
import * as ort from 'onnxruntime-node';
import { DfpError } from '../core/errors.ts';

export interface NamedArray { name: string; shape: number[]; data: Float32Array }

/** Loads the model (proving onnxruntime accepts it) and runs it once per call of the returned function. */
export async function openOrt(bytes: Uint8Array): Promise<{ run: (feeds: Record<string, { shape: number[]; data: Float32Array }>) => Promise<NamedArray[]>; inputNames: readonly string[]; outputNames: readonly string[] }> {
  let s: ort.InferenceSession;
  try {
    s = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new DfpError('INPUT_INVALID', `onnxruntime cannot load the model: ${(e as Error).message}`);
  }
  const run = async (feeds: Record<string, { shape: number[]; data: Float32Array }>): Promise<NamedArray[]> => {
    const t: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) t[k] = new ort.Tensor('float32', v.data, v.shape);
    const res = await s.run(t);
    return s.outputNames.map((name) => {
      const o = res[name] as ort.Tensor;
      const data = o.data instanceof Float32Array ? o.data : Float32Array.from(o.data as ArrayLike<number>, Number);
      return { name, shape: [...o.dims], data };
    });
  };
  return { run, inputNames: s.inputNames, outputNames: s.outputNames };
}

/** Largest |a - b| over all outputs matched by name; NaN in both counts as equal, NaN in one as Infinity. */
export function maxAbsDiff(a: readonly NamedArray[], b: readonly NamedArray[]): number {
  let worst = 0;
  for (const x of a) {
    const y = b.find((o) => o.name === x.name);
    if (!y || y.data.length !== x.data.length) return Infinity;
    for (let i = 0; i < x.data.length; i++) {
      const p = x.data[i] as number;
      const q = y.data[i] as number;
      const d = Number.isNaN(p) && Number.isNaN(q) ? 0 : Math.abs(p - q);
      worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
    }
  }
  return worst;
}
