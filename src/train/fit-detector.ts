// The supervised detector as `model.classifier.kind` asks for it: the MLP, gradient-boosted trees, the blend of both
// (the mean of their calibrated probabilities), or auto: whichever wins the time-forward protocol on the training
// months (time-forward.ts), then fitted on all of them.
import type { DfpConfig } from '../core/config/schema.ts';
import { thresholdForFpr } from '../core/ml/eval/index.ts';
import { buildBlendInference } from '../core/ml/models/blend.ts';
import type { DetectorKind } from '../core/ml/models/metadata.ts';
import { ensembleToJson } from '../core/ml/trees/ensemble.ts';
import { type FitOptions, type Fitted, type MlpFit, fitMlp } from './fit.ts';
import { type TreeFit, fitTrees } from './fit-trees.ts';
import { concatDatasets } from './split.ts';
import { type Selection, selectDetector } from './time-forward.ts';

/** A fitted detector with what its metadata records: the learner, the trees for TreeSHAP, how it was chosen. */
export interface DetectorFit extends Fitted {
  detector: DetectorKind;
  trees?: { ensemble: ReturnType<typeof ensembleToJson>; platt: { a: number; b: number } };
  selection?: Selection;
}

/** The config with the detector kind fixed (what auto resolves to). */
export function withKind(config: DfpConfig, kind: DetectorKind): DfpConfig {
  return { ...config, model: { ...config.model, classifier: { ...config.model.classifier, kind } } };
}

/**
 * The blend of two fits calibrated on the same rows (same folds, or the same validation part): its score is the mean of
 * their calibrated probabilities, its threshold set on the mean of their held-out ones.
 */
export function blendFits(config: DfpConfig, mlp: MlpFit, trees: TreeFit): Fitted & { calibProbs: Float32Array } {
  if (mlp.calibRows.length !== trees.calibRows.length || mlp.calibRows.some((r, i) => trees.calibRows[i] !== r)) throw new Error('the MLP and the trees were calibrated on different rows');
  const calibProbs = mlp.calibProbs.map((p, i) => (p + trees.calibProbs[i]!) / 2);
  const benign = calibProbs.filter((_, i) => !mlp.calibY[i]);
  return {
    kind: 'classifier',
    onnx: buildBlendInference(mlp.model, trees),
    pre: mlp.pre,
    threshold: thresholdForFpr(benign, config.model.target_fpr),
    loop: { ...mlp.loop, seconds: mlp.loop.seconds + trees.loop.seconds },
    trainRows: mlp.trainRows,
    ...(mlp.outOfFold ? { outOfFold: calibProbs } : {}),
    benignCalibration: benign,
    details: { ...prefixed('mlp', mlp.details), ...prefixed('trees', trees.details), detector: 'blend' },
    calibProbs,
  };
}

const prefixed = (p: string, d: Record<string, number | string>) => Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'detector').map(([k, v]) => [`${p}_${k}`, v]));

const treesMeta = (t: TreeFit) => ({ ensemble: ensembleToJson(t.ensemble), platt: { a: t.platt.a, b: t.platt.b } });

/** Fits the detector of one fixed kind. */
export async function fitKind(o: FitOptions, kind: DetectorKind): Promise<DetectorFit> {
  const config = withKind(o.config, kind);
  const opts = { ...o, config };
  if (kind === 'mlp') return { ...(await fitMlp(opts)), detector: 'mlp' };
  if (kind === 'trees') {
    const t = await fitTrees(opts);
    return { ...t, detector: 'trees', trees: treesMeta(t) };
  }
  const mlp = await fitMlp(opts);
  const trees = await fitTrees({ ...opts, onEpoch: undefined });
  return { ...blendFits(config, mlp, trees), detector: 'blend' };
}

/** `model.classifier.kind` as configured; auto runs the time-forward protocol on the training months first. */
export async function fitClassifier(o: FitOptions): Promise<DetectorFit> {
  const kind = o.config.model.classifier.kind;
  if (kind !== 'auto') return fitKind(o, kind);
  const selection = await selectDetector(concatDatasets(o.train, o.validation), o.config, { progress: o.progress, signal: o.signal });
  return { ...(await fitKind(o, selection.chosen)), selection };
}
