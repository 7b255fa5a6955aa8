// The blend detector: the mean of the calibrated MLP and tree probabilities, one graph with both inside, so it has
// the detectors' contract (input `x` float32 [N, F] raw features, output `score` [N]).
import { Graph } from '../graph/graph.ts';
import type { TreeEnsemble } from '../trees/ensemble.ts';
import { type Platt, treeProbability } from '../trees/onnx.ts';
import { type ClassifierModel, classifierProbability } from './classifier.ts';

export function buildBlendInference(mlp: ClassifierModel, trees: { ensemble: TreeEnsemble; platt: Platt }): Uint8Array {
  const g = new Graph('float32');
  const x = g.input('x', ['N', mlp.pre.columns.length]);
  const mean = g.scale(g.add(classifierProbability(g, x, mlp), treeProbability(g, x, trees.ensemble, trees.platt)), 0.5);
  g.output(g.reduceSum(mean, [1]), 'score');
  return g.toBytes('dfp_blend');
}
