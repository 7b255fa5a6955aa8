// End to end on the real 2019 subset: ingest → transform → dfp train (both models) → dfp evaluate on the test months.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runDfp } from '../../tests/support/cli.ts';
import { REAL_2019, haveRealData } from '../../tests/support/shared-data.ts';

/** The acceptance numbers, measured by `dfp evaluate` on the held-out months 2019-10..12. */
// The detector's bar is issue 15's for the kind the time-forward protocol picks (the MLP alone scored F1 0.969 here,
// but the test months are two-thirds one family and no longer choose the model): ROC-AUC 0.995, F1 0.93, FPR 1 %.
const ACCEPT = { autoencoder: { roc_auc: 0.95 }, classifier: { roc_auc: 0.995, f1: 0.93, fpr: 0.01 } };

function json(r: { code: number; stdout: string; stderr: string }, what: string): Record<string, unknown> {
  assert.equal(r.code, 0, `${what} failed: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test('real subset: train both models, evaluate their run ids on the raw file (test months only)', async (t) => {
  if (!haveRealData(t)) return;
  const env = { DFP_HOME: mkdtempSync(join(tmpdir(), 'dfp-e2e-train-')) };
  const missing = runDfp(['train', '--json'], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /dfp ingest.*dfp transform/);
  json(runDfp(['ingest', '--source', REAL_2019, '--json'], env), 'ingest');
  json(runDfp(['transform', '--json'], env), 'transform');
  const results: Record<string, Record<string, number>> = {};
  for (const model of ['autoencoder', 'classifier'] as const) {
    const trained = json(runDfp(['train', `model=${model}`, 'train.test_from=2019-10', '--json'], env), `train ${model}`);
    assert.equal(trained.model, model);
    assert.equal(typeof trained.run_id, 'string');
    assert.equal(typeof (trained.metrics as Record<string, unknown>).roc_auc, 'number');
    assert.match(String((trained.artifacts as Record<string, unknown>).onnx), /model\.onnx$/);
    const training = trained.training as Record<string, unknown>;
    assert.equal(typeof training.seconds, 'number');
    // The detector is cross-fitted: 5 members, every training-period app used (train + validation).
    const split = trained.split as Record<string, number>;
    if (model === 'classifier') assert.deepEqual([training.calibration, training.train_rows], ['crossfit', split.train! + split.validation!]);
    else assert.deepEqual([training.members, training.calibration], [1, 'holdout']);
    const ev = json(runDfp(['evaluate', '--model', String(trained.run_id), '--data', REAL_2019, '--json'], env), `evaluate ${model}`);
    for (const k of ['n', 'positives', 'roc_auc', 'pr_auc', 'precision', 'recall', 'f1', 'fpr', 'threshold']) assert.equal(typeof ev[k], 'number', k);
    assert.equal(ev.n, 611, 'the rows of 2019-10..12: apps seen in training are left out');
    assert.equal(ev.positives, 117);
    results[model] = ev as Record<string, number>;
    // The human report carries the same confusion counts and per-family detection as the JSON document.
    const text = runDfp(['evaluate', '--model', String(trained.run_id), '--data', REAL_2019], env);
    assert.equal(text.code, 0, text.stderr);
    const c = ev.confusion as Record<string, number>;
    assert.match(text.stdout, new RegExp(`^malware\\s+${c.tp}\\s+${c.fn}$`, 'm'));
    assert.match(text.stdout, new RegExp(`^benign\\s+${c.fp}\\s+${c.tn}$`, 'm'));
    const top = (ev.per_family as { group: string; n: number; detected: number }[])[0]!;
    assert.match(text.stdout, new RegExp(`^${top.group.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+${top.n}\\s+${top.detected}\\s`, 'm'));
    t.diagnostic(`${model}: roc_auc ${ev.roc_auc} pr_auc ${ev.pr_auc} precision ${ev.precision} recall ${ev.recall} f1 ${ev.f1} fpr ${ev.fpr}`);
  }
  assert.ok(results.autoencoder!.roc_auc! >= ACCEPT.autoencoder.roc_auc, `autoencoder roc_auc ${results.autoencoder!.roc_auc}`);
  assert.ok(results.classifier!.roc_auc! >= ACCEPT.classifier.roc_auc, `classifier roc_auc ${results.classifier!.roc_auc}`);
  assert.ok(results.classifier!.f1! >= ACCEPT.classifier.f1, `classifier f1 ${results.classifier!.f1}`);
  assert.ok(results.classifier!.fpr! <= ACCEPT.classifier.fpr, `classifier fpr ${results.classifier!.fpr}`);
});
