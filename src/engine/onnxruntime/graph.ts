// Runs any ONNX graph on float32 feeds and returns every output by name: the reference that exported artefacts and
// the graph builder's tests are compared with.
import { DfpError, messageOf } from '../../core/errors.ts';
import { openSession, ort } from './session.ts';

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface GraphRunner {
  /** One run; every output in the graph's order, as float32. */
  run(feeds: Record<string, { shape: number[]; data: Float32Array }>): Promise<NamedArray[]>;
  inputNames: readonly string[];
  outputNames: readonly string[];
  release(): Promise<void>;
}

/** Loads the graph (proving onnxruntime accepts it) on one thread. */
export async function openGraph(bytes: Uint8Array): Promise<GraphRunner> {
  let s: ort.InferenceSession;
  try {
    s = await openSession(bytes, { threads: 1 });
  } catch (e) {
    throw new DfpError('INPUT_INVALID', `onnxruntime cannot load the model: ${messageOf(e)}`, undefined, { cause: e });
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
  return { run, inputNames: s.inputNames, outputNames: s.outputNames, release: () => s.release() };
}
