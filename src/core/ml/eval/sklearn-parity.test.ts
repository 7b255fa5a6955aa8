// Parity with scikit-learn as an independent reference: random seeded cases with many ties, compared to ≤ 1e-9.
// Skips visibly when python3 or scikit-learn is missing (CI installs it: pip install scikit-learn).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mulberry32 } from '../prng.ts';
import { classificationMetrics, evaluateScores, prCurve, rocCurve, thresholdForFpr } from './index.ts';

const PYTHON = process.env.PYTHON ?? 'python3';
const SCRIPT = join(import.meta.dirname, 'testing', 'sklearn_check.py');
const probe = spawnSync(PYTHON, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : `scikit-learn is not installed for ${PYTHON} (pip install scikit-learn)`;

// f32: the scores are exact float32 values, so the TypeScript side is fed a Float32Array (the models' output type).
interface Case { labels: number[]; scores: number[]; threshold: number; target_fpr: number; f32: boolean }

/** Seeded cases: sizes from tiny to large, positive rates from rare to common, ties from none to heavy. */
function makeCases(): Case[] {
  const rand = mulberry32(20240601);
  const cases: Case[] = [];
  const sizes = [2, 3, 7, 20, 100, 1000, 5000];
  const rates = [0.05, 0.5, 0.9];
  const rounding = [1, 10, 100, 0]; // decimals kept: 1 → 2 distinct values, 0 = continuous (float32)
  for (const n of sizes) {
    for (const rate of rates) {
      for (const r of rounding) {
        const labels = Array.from({ length: n }, () => (rand() < rate ? 1 : 0));
        labels[0] = 0; // both classes present: sklearn's roc_auc_score refuses one class
        labels[1] = 1;
        // Malware scores lean high so the AUCs are spread out, not all near 0.5.
        const scores = labels.map((y) => {
          const s = Math.min(1, Math.max(0, rand() * 0.8 + y * 0.3 * rand()));
          return r === 0 ? Math.fround(s) : Math.round(s * r) / r;
        });
        const threshold = [0, 0.5, 1, scores[Math.floor(rand() * n)]!, rand()][Math.floor(rand() * 5)]!;
        const target_fpr = [0, 0.01, 0.1, 0.5, 1, rand()][Math.floor(rand() * 6)]!;
        cases.push({ labels, scores, threshold, target_fpr, f32: r === 0 });
      }
    }
  }
  return cases;
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9, `${what}: dfp ${actual} vs scikit-learn ${expected}`);
}

function closeArrays(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => close(a, expected[i]!, `${what}[${i}]`));
}

test('metrics match scikit-learn on seeded random cases with ties', { skip }, () => {
  const cases = makeCases();
  const dir = mkdtempSync(join(tmpdir(), 'dfp-sklearn-'));
  try {
    const file = join(dir, 'cases.json');
    writeFileSync(file, JSON.stringify({ cases }));
    const run = spawnSync(PYTHON, [SCRIPT, file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    assert.equal(run.status, 0, `sklearn_check.py failed: ${run.stderr}`);
    const expected = JSON.parse(run.stdout) as Record<string, number | number[] | null>[];
    assert.equal(expected.length, cases.length);
    cases.forEach((c, k) => {
      const want = expected[k]!;
      const where = `case ${k} (n=${c.labels.length})`;
      const scores = c.f32 ? Float32Array.from(c.scores) : c.scores;
      const ev = evaluateScores(Uint8Array.from(c.labels), scores, { threshold: c.threshold });
      close(ev.roc_auc, want.roc_auc as number, `${where} roc_auc`);
      close(ev.pr_auc, want.pr_auc as number, `${where} pr_auc`);
      close(ev.precision, want.precision as number, `${where} precision`);
      close(ev.recall, want.recall as number, `${where} recall`);
      close(ev.f1, want.f1 as number, `${where} f1`);
      close(ev.fpr, want.fpr as number, `${where} fpr`);
      const m = classificationMetrics(c.labels, scores, c.threshold);
      close(m.f1, want.f1 as number, `${where} classificationMetrics.f1`);
      const roc = rocCurve(c.labels, scores);
      closeArrays(roc.fpr, want.roc_fpr as number[], `${where} roc fpr`);
      closeArrays(roc.tpr, want.roc_tpr as number[], `${where} roc tpr`);
      const pr = prCurve(c.labels, scores);
      closeArrays(pr.precision, want.pr_precision as number[], `${where} pr precision`);
      closeArrays(pr.recall, want.pr_recall as number[], `${where} pr recall`);
      const negatives = c.scores.filter((_, i) => c.labels[i] === 0);
      const t = thresholdForFpr(negatives, c.target_fpr);
      assert.equal(t, want.threshold_for_fpr ?? -Infinity, `${where} thresholdForFpr(${c.target_fpr})`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
