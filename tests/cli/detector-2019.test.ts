// The shipped detector preset (model.classifier.kind=auto) on the real 2019 subset, as a new user trains it: the kind
// is chosen by the time-forward protocol on months 1-9 (the test months 10-12 are not read), the comparison is in the
// result and the model card, and the chosen detector meets issue 15's bar on the test months.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REAL_2019, haveRealData } from '../support/shared-data.ts';
import { dfpJson } from '../support/trainable-workspace.ts';

interface Summary { roc_auc: number; f1: number }
interface Trained {
  metrics: { roc_auc: number; f1: number; fpr: number };
  split: { test_months: string[] };
  detector: { kind: string; selection: { origins: string[]; metric: 'f1'; candidates: { model: string; summary: Summary }[]; chosen: string } };
  artifacts: { model_card: string };
}

test('dfp train model=classifier on the 2019 subset: kind chosen on the training months, ROC-AUC >= 0.995, F1 >= 0.93, FPR <= 1 % on months 10-12', (t) => {
  if (!haveRealData(t)) return;
  const env = { DFP_HOME: mkdtempSync(join(tmpdir(), 'dfp-detector-2019-')) };
  dfpJson(['ingest', '--source', REAL_2019], env);
  dfpJson(['transform'], env);
  const r = dfpJson<Trained>(['train', 'model=classifier'], env);
  const s = r.detector.selection;
  assert.deepEqual(s.candidates.map((c) => c.model).sort(), ['blend', 'mlp', 'trees']);
  assert.ok(s.origins.every((m) => m < r.split.test_months[0]!), `origins ${s.origins.join(',')} are training months`);
  const best = Math.max(...s.candidates.map((c) => c.summary.f1));
  assert.equal(r.detector.kind, s.chosen);
  assert.equal(s.candidates.find((c) => c.model === s.chosen)!.summary.f1, best, 'the chosen kind has the best pooled F1 of the protocol');
  assert.ok(r.metrics.roc_auc >= 0.995, `ROC-AUC ${r.metrics.roc_auc}`);
  assert.ok(r.metrics.f1 >= 0.93, `F1 ${r.metrics.f1}`);
  assert.ok(r.metrics.fpr <= 0.01, `FPR ${r.metrics.fpr}`);
  const card = readFileSync(r.artifacts.model_card, 'utf8');
  assert.match(card, /## Detector selection/);
  for (const c of s.candidates) assert.match(card, new RegExp(`\\| \\**${c.model}\\**? \\|`));
});
