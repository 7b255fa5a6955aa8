// Runs one of dfp's custom train-step graphs: holds parameters and Adam moments, feeds batches, keeps a good checkpoint.
import { names } from '../core/ml/graph/mlp.ts';
import { initParams } from '../core/ml/init.ts';
import type { TrainStepGraph } from '../core/ml/models/train-graph.ts';
import { dropoutMask, mulberry32 } from '../core/ml/prng.ts';
import { openSession, ort } from '../engine/onnxruntime/index.ts';

export class TrainStepRunner {
  lr: number;
  private p: Float32Array[];
  private m: Float32Array[];
  private v: Float32Array[];
  private t = 0;
  private readonly rand: () => number;

  private constructor(
    private readonly graph: TrainStepGraph,
    private readonly session: ort.InferenceSession,
    seed: number,
    lr: number,
  ) {
    this.lr = lr;
    this.p = initParams(graph.params, seed);
    this.m = this.p.map((a) => new Float32Array(a.length));
    this.v = this.p.map((a) => new Float32Array(a.length));
    this.rand = mulberry32((seed ^ 0x2545f491) >>> 0);
  }

  static async create(graph: TrainStepGraph, o: { seed: number; lr: number; threads: number }): Promise<TrainStepRunner> {
    return new TrainStepRunner(graph, await openSession(graph.bytes, { threads: o.threads }), o.seed, o.lr);
  }

  /** One Adam step; `feeds` holds x, target and any model-specific inputs ([B, …] float32). Returns the loss before the update. */
  async step(feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<number> {
    const f: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) f[k] = new ort.Tensor('float32', t.data, t.dims);
    const B = feeds[names.x(0)]?.dims[0] ?? 0;
    for (const d of this.graph.dropout) f[names.mask(d.layer)] = new ort.Tensor('float32', dropoutMask(this.rand, B * d.width, d.p), [B, d.width]);
    this.graph.params.forEach((info, k) => {
      f[names.param(info.name)] = new ort.Tensor('float32', this.p[k] as Float32Array, info.shape);
      f[names.m(info.name)] = new ort.Tensor('float32', this.m[k] as Float32Array, info.shape);
      f[names.v(info.name)] = new ort.Tensor('float32', this.v[k] as Float32Array, info.shape);
    });
    f.step = new ort.Tensor('float32', Float32Array.of(this.t + 1), []);
    f.lr = new ort.Tensor('float32', Float32Array.of(this.lr), []);
    const out = await this.session.run(f);
    this.t++;
    const loss = Number((out.loss as ort.Tensor).data[0]);
    this.p = this.graph.params.map((info) => (out[names.newParam(info.name)] as ort.Tensor).data as Float32Array);
    this.m = this.graph.params.map((info) => (out[names.newM(info.name)] as ort.Tensor).data as Float32Array);
    this.v = this.graph.params.map((info) => (out[names.newV(info.name)] as ort.Tensor).data as Float32Array);
    return loss;
  }

  /** Copies of the current parameters. */
  params(): Float32Array[] {
    return this.p.map((a) => a.slice());
  }

  /** Starts from these parameters (a checkpoint), with Adam's moments and step count reset. */
  setParams(params: readonly Float32Array[]): void {
    if (params.length !== this.p.length || params.some((a, k) => a.length !== this.p[k]!.length)) throw new Error('setParams: parameter shapes differ from the graph');
    this.p = params.map((a) => a.slice());
    this.m = this.p.map((a) => new Float32Array(a.length));
    this.v = this.p.map((a) => new Float32Array(a.length));
    this.t = 0;
  }

  /** True when every parameter is finite (a step that overflowed leaves NaN/Inf behind). */
  finite(): boolean {
    return this.p.every((a) => a.every(Number.isFinite));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
