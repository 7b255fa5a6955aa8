// A tree detector served through the one runtime: its metadata picks TreeSHAP, the batcher hands the explainer each
// row's input, and the contributions add up to the score the graph serves (local accuracy on the calibrated log-odds).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { METADATA_VERSION } from '../core/ml/models/metadata.ts';
import { ensembleFromJson } from '../core/ml/trees/ensemble.ts';
import { treeShap } from '../core/ml/trees/shap.ts';
import { silentProgress } from '../core/progress.ts';
import { fitKind } from '../train/fit-detector.ts';
import { subset } from '../train/split.ts';
import { synthDataset, testConfig } from '../train/testing.ts';
import { MicroBatcher } from './batcher.ts';
import { writeModelDir } from './model-dir.ts';
import { Scorer } from './scorer.ts';

const F = FEATURE_COLUMNS.length;
const tmp = () => mkdtempSync(join(tmpdir(), 'dfp-tree-explainer-'));

test('a tree detector is explained by TreeSHAP in API answers and batch rows; contributions add up to the served log-odds', async () => {
  const d = synthDataset(200, 17);
  const config = testConfig(['model=classifier', 'model.classifier.trees.iterations=30', 'model.classifier.trees.min_data_in_leaf=5', 'model.classifier.folds=3'], tmp());
  const idx = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  const fitted = await fitKind({ config, train: subset(d, idx(0, 150)), validation: subset(d, idx(150, 50)), progress: silentProgress, checkpointDir: tmp() }, 'trees');
  const dir = tmp();
  await writeModelDir(dir, fitted.onnx, { format_version: METADATA_VERSION, kind: 'classifier', detector: 'trees', trees: fitted.trees!, threshold: fitted.threshold, preprocess: fitted.pre, top_k: 4 });
  const scorer = await Scorer.load(dir);
  try {
    assert.equal(scorer.explainer.method, 'tree_shap');
    const batcher = new MicroBatcher(scorer, { maxRows: 8, maxWaitMs: 0 });
    const rows = [3, 40, 77];
    const results = await Promise.all(rows.map((r) => batcher.submit((buf, off) => buf.set(d.x.subarray(r * F, (r + 1) * F), off))));
    const ensemble = ensembleFromJson(fitted.trees!.ensemble, 'test');
    const { a, b } = fitted.trees!.platt;
    for (const [k, r] of rows.entries()) {
      const out = results[k]!;
      assert.deepEqual([...out.input!], [...d.x.subarray(r * F, (r + 1) * F)], 'the row result carries its own input');
      const top = scorer.explainer.fromOutputs(out)!;
      assert.equal(top.length, 4);
      for (let i = 1; i < top.length; i++) assert.ok(Math.abs(top[i - 1]!.value) >= Math.abs(top[i]!.value), 'largest |contribution| first');
      const { values, expected } = treeShap(ensemble, d.x, r);
      const logOdds = Math.log(out.score / (1 - out.score));
      const sum = values.reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(a * (sum + expected) + b - logOdds) < 1e-3, `row ${r}: a·(Σφ + E) + b = ${a * (sum + expected) + b}, served log-odds ${logOdds}`);
      const byName = new Map(FEATURE_COLUMNS.map((c, j) => [c, values[j]! * a]));
      for (const t of top) assert.ok(Math.abs(t.value - byName.get(t.name)!) < 1e-4, t.name);
    }
    // Batch scoring (`dfp score`) writes the same attributions per row.
    const x = subset(d, rows).x;
    const fields = scorer.explainer.csvFields(await scorer.score(x), rows.length, x)!;
    const parsed = JSON.parse(fields[1]!.slice(1, -1).replaceAll('""', '"')) as { name: string; z: number }[];
    assert.deepEqual(parsed.map((p) => p.name), scorer.explainer.fromOutputs(results[1]!)!.map((t) => t.name));
  } finally {
    await scorer.close();
  }
});
