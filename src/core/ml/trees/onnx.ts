/**
 * @module A tree ensemble as an ONNX inference graph: one ai.onnx.ml TreeEnsembleRegressor node (every tree,
 * summed onto the base margin), then the calibration and logistic of the MLP detector's graph, so both
 * detectors have the same contract: input `x` float32 [N, F] raw KronoDroid features, output `score` [N], the
 * calibrated malware probability. Trees need no preprocessing (a split is invariant to monotone transforms)
 * and read missing values (NaN) natively, each node sending them to the side training chose.
 */
import { Graph, type T } from '../graph/graph.ts';
import type { TreeEnsemble } from './ensemble.ts';

/** Platt scaling of the margin: probability = sigmoid(a · margin + b). Identity: a = 1, b = 0. */
export interface Platt {
  a: number;
  b: number;
}

/** The TreeEnsembleRegressor attributes of an ensemble (nodes numbered per tree as in `Tree`). */
export function treeEnsembleAttributes(model: TreeEnsemble) {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const missingTrue: number[] = [];
  const targetTree: number[] = [];
  const targetNode: number[] = [];
  const targetWeight: number[] = [];
  model.trees.forEach((tree, t) => {
    for (let i = 0; i < tree.left.length; i++) {
      const leaf = tree.left[i] === -1;
      treeIds.push(t);
      nodeIds.push(i);
      featureIds.push(leaf ? 0 : tree.feature[i]!);
      modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      values.push(leaf ? 0 : tree.threshold[i]!);
      trueIds.push(leaf ? 0 : tree.left[i]!);
      falseIds.push(leaf ? 0 : tree.right[i]!);
      missingTrue.push(leaf ? 0 : tree.missingLeft[i]!);
      if (leaf) {
        targetTree.push(t);
        targetNode.push(i);
        targetWeight.push(tree.value[i]!);
      }
    }
  });
  return {
    n_targets: { int: 1 },
    aggregate_function: 'SUM',
    post_transform: 'NONE',
    base_values: [model.base],
    nodes_treeids: { ints: treeIds },
    nodes_nodeids: { ints: nodeIds },
    nodes_featureids: { ints: featureIds },
    nodes_modes: { strings: modes },
    nodes_values: values,
    nodes_truenodeids: { ints: trueIds },
    nodes_falsenodeids: { ints: falseIds },
    nodes_missing_value_tracks_true: { ints: missingTrue },
    target_treeids: { ints: targetTree },
    target_nodeids: { ints: targetNode },
    target_ids: { ints: targetNode.map(() => 0) },
    target_weights: targetWeight,
  };
}

export function buildTreeInference(model: TreeEnsemble, platt: Platt = { a: 1, b: 0 }): Uint8Array {
  const g = new Graph('float32');
  const x = g.input('x', ['N', model.features]);
  g.output(g.reduceSum(treeProbability(g, x, model, platt), [1]), 'score');
  return g.toBytes('dfp_trees');
}

/** The calibrated probability [N, 1] of raw rows `x` [N, F], added to `g` (the blend detector adds it beside the MLP's). */
export function treeProbability(g: Graph, x: T, model: TreeEnsemble, platt: Platt): T {
  const margin = g.mlOp('TreeEnsembleRegressor', [x], ['N', 1], treeEnsembleAttributes(model));
  return g.sigmoid(g.add(g.mul(margin, g.scalar(platt.a)), g.scalar(platt.b)));
}
