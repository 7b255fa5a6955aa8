// Trainer: holds an MLP's parameters and Adam moments as Float32Arrays and runs the generated train-step graph.
import { type AdamConfig } from '../core/ml/graph/adam.ts';
import { type LossKind, type MlpSpec, type ParamInfo, buildInference, buildTrainStep, dropoutLayers, names } from '../core/ml/graph/mlp.ts';
import { initParams } from '../core/ml/init.ts';
import { dropoutMask, mulberry32 } from '../core/ml/prng.ts';
import { type Feeds, openSession, ort } from '../engine/onnxruntime/index.ts';

export interface TrainerOptions {
  spec: MlpSpec;
  loss: LossKind;
  /** Rows per step; the train graph is built for exactly this many. */
  batchSize: number;
  /** Target = input (no separate target array). */
  autoencoder?: boolean;
  lr?: number;
  adam?: Partial<AdamConfig>;
  /** Seeds init and dropout masks; same seed + same data = same weights bytes. */
  seed?: number;
  /** ORT intra-op threads (default 1). */
  threads?: number;
  /** Steps that `stepMany()` runs per ORT call (default 1 = `stepMany()` unavailable); see TrainGraphOptions.stepsPerRun. */
  stepsPerRun?: number;
}

/** One buffer set: parameters and both Adam moments, plus ORT tensors that view them (no copies). */
interface State {
  p: Float32Array[];
  m: Float32Array[];
  v: Float32Array[];
  tensors: Record<string, ort.Tensor>;
}

function makeState(infos: readonly ParamInfo[], p: Float32Array[]): State {
  const m = infos.map((i) => new Float32Array(size(i)));
  const v = infos.map((i) => new Float32Array(size(i)));
  const tensors: Record<string, ort.Tensor> = {};
  infos.forEach((info, k) => {
    tensors[names.param(info.name)] = new ort.Tensor('float32', p[k] as Float32Array, info.shape);
    tensors[names.m(info.name)] = new ort.Tensor('float32', m[k] as Float32Array, info.shape);
    tensors[names.v(info.name)] = new ort.Tensor('float32', v[k] as Float32Array, info.shape);
  });
  return { p, m, v, tensors };
}

function size(i: ParamInfo): number {
  return i.shape.reduce((a, b) => a * b, 1);
}

export class Trainer {
  /** Learning rate for the next steps (may be changed between steps for schedules). */
  lr: number;
  private stepCount = 0;
  // Ping-pong: a step reads state `cur` and ORT writes the update into `nxt` (preallocated outputs), then they swap.
  // The state never moves between buffers in JS; onnxruntime-node 1.30 still returns its own copy of each output,
  // which is dropped (stepMany amortises that copy over K steps).
  private cur: State;
  private nxt: State;
  // Input-named and output-named tensor views over both buffer sets, built once.
  private readonly inViews: [Record<string, ort.Tensor>, Record<string, ort.Tensor>];
  private readonly outViews: [Record<string, ort.Tensor | null>, Record<string, ort.Tensor | null>];
  private which = 0;
  private readonly stepBuf = new Float32Array(1);
  private readonly lrBuf = new Float32Array(1);
  private readonly stepT: ort.Tensor;
  private readonly lrT: ort.Tensor;
  private readonly rand: () => number;
  private readonly dropout: { layer: number; p: number; width: number }[];

  private constructor(
    private readonly o: TrainerOptions,
    readonly params: readonly ParamInfo[],
    private readonly train: ort.InferenceSession,
    private readonly infer: ort.InferenceSession,
    private readonly trainMany: ort.InferenceSession | undefined,
  ) {
    this.lr = o.lr ?? 1e-3;
    const seed = o.seed ?? 0;
    const p0 = initParams(params, seed);
    const a = makeState(params, p0);
    const b = makeState(params, params.map((i) => new Float32Array(size(i))));
    this.cur = a;
    this.nxt = b;
    this.inViews = [a.tensors, b.tensors];
    this.outViews = [this.outputsInto(b), this.outputsInto(a)];
    this.stepT = new ort.Tensor('float32', this.stepBuf, []);
    this.lrT = new ort.Tensor('float32', this.lrBuf, []);
    this.rand = mulberry32((seed ^ 0x5bd1e995) >>> 0);
    this.dropout = dropoutLayers(o.spec);
  }

  /** Builds both graphs and opens their sessions. */
  static async create(o: TrainerOptions): Promise<Trainer> {
    const base = { spec: o.spec, loss: o.loss, batch: o.batchSize, autoencoder: o.autoencoder, adam: o.adam };
    const k = o.stepsPerRun ?? 1;
    const train = buildTrainStep(base);
    const infer = buildInference({ spec: o.spec });
    const opts = { threads: o.threads ?? 1 };
    const [ts, is, ms] = await Promise.all([
      openSession(train.bytes, opts),
      openSession(infer.bytes, opts),
      k > 1 ? openSession(buildTrainStep({ ...base, stepsPerRun: k }).bytes, opts) : undefined,
    ]);
    return new Trainer(o, train.params, ts, is, ms);
  }

  /** Steps taken so far (Adam's t for the next step is steps + 1). */
  get steps(): number {
    return this.stepCount;
  }

  /** One Adam step on a batch of exactly batchSize rows (row-major). Returns the batch loss before the update. */
  async step(x: Float32Array, target?: Float32Array): Promise<number> {
    return (await this.run(this.train, 1, x, target))[0] as number;
  }

  /**
   * stepsPerRun sequential Adam steps in one ORT call: x (and target) hold stepsPerRun batches back to back.
   * Same updates as that many step() calls; returns each step's loss.
   */
  async stepMany(x: Float32Array, target?: Float32Array): Promise<Float32Array> {
    if (!this.trainMany) throw new Error('stepMany() needs stepsPerRun > 1');
    return this.run(this.trainMany, this.o.stepsPerRun as number, x, target);
  }

  private async run(session: ort.InferenceSession, k: number, x: Float32Array, target?: Float32Array): Promise<Float32Array> {
    const { batchSize, spec, autoencoder } = this.o;
    const inW = spec.sizes[0] as number;
    const outW = spec.sizes[spec.sizes.length - 1] as number;
    if (x.length !== k * batchSize * inW) throw new Error(`x must hold ${k}x${batchSize}x${inW} values, got ${x.length}`);
    if (!autoencoder && target?.length !== k * batchSize * outW) throw new Error(`target must hold ${k}x${batchSize}x${outW} values`);
    const feeds: Feeds = { ...this.inViews[this.which], step: this.stepT, lr: this.lrT };
    for (let i = 0; i < k; i++) {
      // subarray views: ORT reads the caller's memory, nothing is copied.
      feeds[names.x(i)] = new ort.Tensor('float32', x.subarray(i * batchSize * inW, (i + 1) * batchSize * inW), [batchSize, inW]);
      if (!autoencoder && target) {
        feeds[names.target(i)] = new ort.Tensor('float32', target.subarray(i * batchSize * outW, (i + 1) * batchSize * outW), [batchSize, outW]);
      }
      for (const d of this.dropout) feeds[names.mask(d.layer, i)] = new ort.Tensor('float32', dropoutMask(this.rand, batchSize * d.width, d.p), [batchSize, d.width]);
    }
    this.stepBuf[0] = this.stepCount + 1;
    this.lrBuf[0] = this.lr;
    // Every output is fetched: the binding names results by position in the session's output list.
    const out = await session.run(feeds, this.outViews[this.which] as Record<string, ort.Tensor>);
    this.stepCount += k;
    [this.cur, this.nxt] = [this.nxt, this.cur];
    this.which = 1 - this.which;
    return (out.loss as ort.Tensor).data as Float32Array;
  }

  /** Forward pass with the current parameters (dropout off, final activation applied). */
  async predict(x: Float32Array): Promise<Float32Array> {
    const inW = this.o.spec.sizes[0] as number;
    if (x.length % inW !== 0) throw new Error(`x length ${x.length} is not a multiple of ${inW}`);
    const feeds: Feeds = { x: new ort.Tensor('float32', x, [x.length / inW, inW]) };
    this.params.forEach((p, k) => {
      feeds[names.param(p.name)] = new ort.Tensor('float32', this.cur.p[k] as Float32Array, p.shape);
    });
    const out = await this.infer.run(feeds);
    return (out.y as ort.Tensor).data as Float32Array;
  }

  /** Copies of the current parameters, in `params` order. */
  getParams(): Float32Array[] {
    return this.cur.p.map((a) => a.slice());
  }

  /** Replaces the parameters (e.g. from a checkpoint) and resets Adam's moments and step count. */
  setParams(values: readonly Float32Array[]): void {
    if (values.length !== this.params.length) throw new Error('wrong number of parameter arrays');
    values.forEach((v, k) => {
      const dst = this.cur.p[k] as Float32Array;
      if (v.length !== dst.length) throw new Error(`parameter ${this.params[k]?.name} needs ${dst.length} values`);
      dst.set(v);
      (this.cur.m[k] as Float32Array).fill(0);
      (this.cur.v[k] as Float32Array).fill(0);
    });
    this.stepCount = 0;
  }

  async release(): Promise<void> {
    await Promise.all([this.train.release(), this.infer.release(), this.trainMany?.release()]);
  }

  /** Fetch map that makes ORT write the new state into `into` instead of allocating fresh outputs. */
  private outputsInto(into: State): Record<string, ort.Tensor | null> {
    const f: Record<string, ort.Tensor | null> = { loss: null };
    this.params.forEach((info, k) => {
      f[names.newParam(info.name)] = new ort.Tensor('float32', into.p[k] as Float32Array, info.shape);
      f[names.newM(info.name)] = new ort.Tensor('float32', into.m[k] as Float32Array, info.shape);
      f[names.newV(info.name)] = new ort.Tensor('float32', into.v[k] as Float32Array, info.shape);
    });
    return f;
  }
}
