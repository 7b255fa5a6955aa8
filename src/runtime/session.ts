// An onnxruntime session over a dfp inference graph: input x [rows, N_FEATURES] of raw features, outputs score [rows]
// and, for the autoencoder, feature_error [rows, N_FEATURES]. Checked when opened, so a wrong graph fails at load,
// never on a request. Training runs its freshly built graphs through it before any metadata exists.
import { DfpError, messageOf } from '../core/errors.ts';
import type { ScoreBatch } from '../core/ml/explain/explainer.ts';
import { N_FEATURES } from '../core/scoring/features.ts';
import { openSession, ort } from '../engine/onnxruntime/index.ts';

export class ModelSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly hasErrors: boolean,
  ) {}

  /** `where` names the model in messages (a path, a models:/ URI). */
  static async open(onnx: Uint8Array, where: string, threads = 1): Promise<ModelSession> {
    let session: ort.InferenceSession;
    try {
      session = await openSession(onnx, { threads });
    } catch (e) {
      throw new DfpError('INPUT_INVALID', `${where}: onnxruntime cannot load the model (${messageOf(e)})`, undefined, { cause: e });
    }
    const need = (cond: boolean, what: string) => {
      if (!cond) {
        void session.release();
        throw new DfpError('INPUT_INVALID', `${where}: ${what}; a dfp model needs input x [N, ${N_FEATURES}] and output score [N]`);
      }
    };
    need(session.inputNames.includes('x'), `no input 'x' (inputs: ${session.inputNames.join(', ')})`);
    need(session.outputNames.includes('score'), `no output 'score' (outputs: ${session.outputNames.join(', ')})`);
    const s = new ModelSession(session, session.outputNames.includes('feature_error'));
    // One run before any traffic: catches a wrong input width now, and takes ORT's first-run allocation off the first request.
    try {
      await s.run(new Float32Array(N_FEATURES), 1);
    } catch (e) {
      await session.release();
      throw new DfpError('INPUT_INVALID', `${where}: test run failed (${messageOf(e)})`, undefined, { cause: e });
    }
    return s;
  }

  /**
   * Scores `rows` rows of x (row-major, N_FEATURES wide, FEATURE_COLUMNS order, raw values, NaN for missing). x may be
   * longer than rows × N_FEATURES (a reused buffer); only the first rows are read. Keep x unchanged until it settles.
   */
  async run(x: Float32Array, rows = x.length / N_FEATURES): Promise<ScoreBatch> {
    if (!Number.isInteger(rows) || rows * N_FEATURES > x.length) {
      throw new DfpError('INPUT_INVALID', `a row needs ${N_FEATURES} feature values (FEATURE_COLUMNS order); got ${x.length} values for ${rows} rows`);
    }
    if (rows === 0) return { scores: new Float32Array(0), ...(this.hasErrors ? { featureErrors: new Float32Array(0) } : {}) };
    const n = rows * N_FEATURES;
    const input = new ort.Tensor('float32', x.length === n ? x : x.subarray(0, n), [rows, N_FEATURES]);
    const out = await this.session.run({ x: input });
    const scores = out.score!.data as Float32Array;
    if (!this.hasErrors) return { scores };
    return { scores, featureErrors: out.feature_error!.data as Float32Array };
  }

  /** Opens the graph, scores x once and releases it: training scores its freshly built graphs this way. */
  static async scoreOnce(onnx: Uint8Array, x: Float32Array, threads = 1): Promise<ScoreBatch> {
    const s = await ModelSession.open(onnx, 'the trained model', threads);
    try {
      return await s.run(x);
    } finally {
      await s.close();
    }
  }

  /** Releases the session; call it only once every run() has settled. */
  async close(): Promise<void> {
    await this.session.release();
  }
}
