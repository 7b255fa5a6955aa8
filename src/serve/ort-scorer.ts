// Scorer over an onnxruntime-node session: feeds a [rows, F] view of the caller's buffer, returns score and feature_error.
import { DfpError, messageOf } from '../core/errors.ts';
import { N_FEATURES } from '../core/scoring/features.ts';
import type { LoadedModel, ModelRef } from '../core/scoring/model-source.ts';
import type { ScoringMetadata } from '../core/scoring/metadata.ts';
import type { ScoreBatch, Scorer } from '../core/scoring/scorer.ts';
import { openSession, ort } from '../train/engine/session.ts';

export class OrtScorer implements Scorer {
  private constructor(
    readonly ref: ModelRef,
    readonly metadata: ScoringMetadata,
    private readonly session: ort.InferenceSession,
    private readonly hasErrors: boolean,
  ) {}

  static async open(model: LoadedModel, threads = 1): Promise<OrtScorer> {
    let session: ort.InferenceSession;
    try {
      session = await openSession(model.onnx, { threads });
    } catch (e) {
      throw new DfpError('INPUT_INVALID', `${model.source}: onnxruntime cannot load the model (${messageOf(e)})`, undefined, { cause: e });
    }
    const need = (cond: boolean, what: string) => {
      if (!cond) {
        void session.release();
        throw new DfpError('INPUT_INVALID', `${model.source}: ${what}; dfp serve needs input x [N, ${N_FEATURES}] and output score [N]`);
      }
    };
    need(session.inputNames.includes('x'), `no input 'x' (inputs: ${session.inputNames.join(', ')})`);
    need(session.outputNames.includes('score'), `no output 'score' (outputs: ${session.outputNames.join(', ')})`);
    const scorer = new OrtScorer(model.ref, model.metadata, session, session.outputNames.includes('feature_error'));
    // One run before traffic: catches a wrong input width now, and takes ORT's first-run allocation off the first request.
    try {
      await scorer.score(new Float32Array(N_FEATURES), 1);
    } catch (e) {
      await session.release();
      throw new DfpError('INPUT_INVALID', `${model.source}: test run failed (${messageOf(e)})`, undefined, { cause: e });
    }
    return scorer;
  }

  async score(x: Float32Array, rows: number): Promise<ScoreBatch> {
    const n = rows * N_FEATURES;
    const input = new ort.Tensor('float32', x.length === n ? x : x.subarray(0, n), [rows, N_FEATURES]);
    const out = await this.session.run({ x: input });
    const scores = out.score!.data as Float32Array;
    if (!this.hasErrors) return { scores };
    return { scores, featureErrors: out.feature_error!.data as Float32Array };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
