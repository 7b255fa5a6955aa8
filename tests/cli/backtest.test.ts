// `dfp backtest` on the real 2019 subset: each month judged by trees fitted on the months before it, the JSON shape
// scripts read, the plot, and a data problem named by its key.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { runDfp } from '../support/cli.ts';
import { REAL_2019, haveRealData } from '../support/shared-data.ts';

interface Month { month: string; n: number; malware: number; roc_auc: number | null; f1: number; recall: number; fpr: number; train_rows: number }

test('dfp backtest --json: per-month metrics of fits on earlier months only, pooled summary, plot', (t) => {
  if (!haveRealData(t)) return;
  const r = runDfp(['backtest', '--data', REAL_2019, 'model.classifier.kind=trees', 'model.classifier.trees.iterations=60', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { model: string; months: Month[]; summary: { n: number; malware: number; roc_auc: number; f1: number }; plots: { png: string; svg: string } };
  assert.equal(out.model, 'trees');
  // The 2019 subset: months with >= 10 malware before them and both classes in them.
  assert.deepEqual(out.months.map((m) => m.month), ['2019-04', '2019-05', '2019-06', '2019-09', '2019-10', '2019-11', '2019-12']);
  let before = 0;
  for (const m of out.months) {
    assert.ok(m.train_rows > before, `${m.month}: trained on a growing window of earlier months`);
    before = m.train_rows;
    assert.ok(m.malware > 0 && m.n > m.malware);
    assert.ok(m.fpr >= 0 && m.fpr <= 1 && m.recall >= 0 && m.recall <= 1);
  }
  assert.equal(out.summary.n, out.months.reduce((a, m) => a + m.n, 0));
  assert.equal(out.summary.malware, out.months.reduce((a, m) => a + m.malware, 0));
  assert.ok(out.summary.roc_auc > 0.95, `pooled ROC-AUC ${out.summary.roc_auc}`);
  assert.ok(existsSync(out.plots.png) && existsSync(out.plots.svg));
});

test('dfp backtest: data without enough malware before any month is a clear error naming the key', (t) => {
  if (!haveRealData(t)) return;
  const r = runDfp(['backtest', '--data', REAL_2019, 'model.classifier.kind=trees', 'model.classifier.selection.min_malware=100000']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /model\.classifier\.selection\.min_malware/);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
});
