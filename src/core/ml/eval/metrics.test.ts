// Hand-computed cases and edge cases for the evaluation metrics (the scikit-learn parity test covers random data).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DfpError } from '../../errors.ts';
import { mulberry32 } from '../prng.ts';
import {
  classificationMetrics,
  confusionAt,
  detectionByGroup,
  evaluateScores,
  prAuc,
  prCurve,
  rocAuc,
  rocCurve,
  scoreHistogram,
  thresholdForFpr,
} from './index.ts';

const invalid = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof DfpError && e.code === 'INPUT_INVALID' && pattern.test(e.message));

test('rocAuc and prAuc on a small case worked by hand', () => {
  // Ranked: 0.8 (M), 0.4 (B), 0.35 (M), 0.1 (B). Pairs M>B: (0.8,0.4), (0.8,0.1), (0.35,0.1) → 3/4.
  const labels = [0, 0, 1, 1];
  const scores = [0.1, 0.4, 0.35, 0.8];
  assert.equal(rocAuc(labels, scores), 0.75);
  // AP = 0.5·(1/1) + 0.5·(2/3).
  assert.equal(prAuc(labels, scores), 0.5 + 0.5 * (2 / 3));
});

test('ties count 1/2 and tied rows move together along the curves', () => {
  const labels = [0, 1, 0, 1];
  const scores = [0.5, 0.5, 0.2, 0.9];
  // Pairs: (0.9 vs 0.5) 1, (0.9 vs 0.2) 1, (0.5 vs 0.5) ½, (0.5 vs 0.2) 1 → 3.5/4.
  assert.equal(rocAuc(labels, scores), 0.875);
  assert.deepEqual(rocCurve(labels, scores), { fpr: [0, 0, 0.5, 1], tpr: [0, 0.5, 1, 1], thresholds: [0.9, 0.5, 0.2, -Infinity] });
  // PR: after 0.9 → P 1, R ½; after the tie at 0.5 → P 2/3, R 1; after 0.2 → P ½, R 1.
  assert.deepEqual(prCurve(labels, scores), { precision: [1, 1, 2 / 3, 0.5], recall: [0, 0.5, 1, 1], thresholds: [0.9, 0.5, 0.2, -Infinity] });
  assert.equal(prAuc(labels, scores), 0.5 * 1 + 0.5 * (2 / 3));
});

test('all scores tied: ROC AUC is ½ and AP is the malware share', () => {
  const labels = Uint8Array.from([1, 0, 0, 1, 0]);
  const scores = new Float32Array(5).fill(0.25); // exact in float32 (0.3 is not: fround(0.3) > 0.3)
  assert.equal(rocAuc(labels, scores), 0.5);
  assert.equal(prAuc(labels, scores), 2 / 5);
  assert.deepEqual(rocCurve(labels, scores).fpr, [0, 1]);
  const ev = evaluateScores(labels, scores, { threshold: 0.25 });
  assert.deepEqual(ev.confusion, { tp: 0, fp: 0, tn: 3, fn: 2 }); // equal to the threshold is not flagged
});

test('one class only: ROC AUC is NaN; AP is NaN without malware and 1 without benign rows', () => {
  assert.ok(Number.isNaN(rocAuc([1, 1, 1], [0.2, 0.5, 0.9])));
  assert.ok(Number.isNaN(rocAuc([0, 0], [0.2, 0.5])));
  assert.ok(Number.isNaN(prAuc([0, 0], [0.2, 0.5])));
  assert.equal(prAuc([1, 1, 1], [0.2, 0.5, 0.9]), 1);
  assert.ok(rocCurve([1, 1], [0.1, 0.2]).fpr.every(Number.isNaN));
  const ev = evaluateScores([0, 0], [0.2, 0.5], { threshold: 0.3 });
  assert.ok(Number.isNaN(ev.roc_auc) && Number.isNaN(ev.pr_auc));
  assert.deepEqual([ev.precision, ev.recall, ev.f1, ev.fpr], [0, 0, 0, 0.5]);
  assert.match(JSON.stringify(ev), /"roc_auc":null,"pr_auc":null/);
});

test('each curve point is exactly what confusionAt gives at its threshold (one convention: score > threshold)', () => {
  const rand = mulberry32(7);
  const labels = Array.from({ length: 300 }, () => (rand() < 0.3 ? 1 : 0));
  const scores = labels.map(() => Math.round(rand() * 20) / 20);
  const roc = rocCurve(labels, scores);
  const pr = prCurve(labels, scores);
  assert.deepEqual(pr.thresholds, roc.thresholds);
  roc.thresholds.forEach((t, i) => {
    const c = confusionAt(labels, scores, t);
    assert.equal(c.fp / (c.fp + c.tn), roc.fpr[i]);
    assert.equal(c.tp / (c.tp + c.fn), roc.tpr[i]);
    assert.equal(c.tp / (c.tp + c.fn), pr.recall[i]);
    if (c.tp + c.fp > 0) assert.equal(c.tp / (c.tp + c.fp), pr.precision[i]);
  });
  // The area equals the Mann-Whitney statistic counted pair by pair.
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let j = 0; j < labels.length; j++) {
      if (labels[i] !== 1 || labels[j] !== 0) continue;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  assert.ok(Math.abs(rocAuc(labels, scores) - wins / pairs) < 1e-12);
});

test('thresholdForFpr: smallest threshold meeting the target, including targets 0 and 1 and ties', () => {
  const neg = [0.3, 0.1, 0.4, 0.2];
  assert.equal(thresholdForFpr(neg, 0), 0.4); // nothing above the highest benign score
  assert.equal(thresholdForFpr(neg, 0.2), 0.4);
  assert.equal(thresholdForFpr(neg, 0.25), 0.3); // only 0.4 is above 0.3: rate ¼
  assert.equal(thresholdForFpr(neg, 0.5), 0.2);
  assert.equal(thresholdForFpr(neg, 0.99), 0.1);
  assert.equal(thresholdForFpr(neg, 1), -Infinity); // flag everything
  const tied = Float32Array.from([0.5, 0.5, 0.5, 0.25]);
  assert.equal(thresholdForFpr(tied, 0.5), 0.5); // 0.25 would flag three of four
  assert.equal(thresholdForFpr(tied, 0.75), 0.25);
  // The threshold achieves the target when applied with the same rule.
  const rand = mulberry32(3);
  const many = Array.from({ length: 1000 }, () => Math.round(rand() * 100) / 100);
  for (const target of [0, 0.001, 0.01, 0.05, 0.1, 0.5]) {
    const t = thresholdForFpr(many, target);
    const { fpr } = classificationMetrics(new Array<number>(many.length).fill(0), many, t);
    assert.ok(fpr <= target, `target ${target}: fpr ${fpr}`);
    assert.ok(many.filter((s) => s >= t).length / many.length > target || t === Math.min(...many), 'a lower score would exceed the target');
  }
  invalid(() => thresholdForFpr(neg, -0.1), /outside \[0, 1\]/);
  invalid(() => thresholdForFpr(neg, 1.5), /outside \[0, 1\]/);
  invalid(() => thresholdForFpr(neg, NaN), /outside \[0, 1\]/);
  invalid(() => thresholdForFpr([], 0.01), /no benign scores/);
});

test('confusionAt and classificationMetrics, with the 0/0 cases defined as 0', () => {
  const labels = [1, 1, 1, 0, 0, 0, 0];
  const scores = [0.9, 0.6, 0.2, 0.7, 0.5, 0.1, 0.6];
  assert.deepEqual(confusionAt(labels, scores, 0.6), { tp: 1, fp: 1, tn: 3, fn: 2 });
  const m = classificationMetrics(labels, scores, 0.55);
  assert.deepEqual(m, { precision: 2 / 4, recall: 2 / 3, f1: (2 * 2) / (2 * 2 + 2 + 1), fpr: 2 / 4, accuracy: 4 / 7 });
  // Nothing flagged: precision and f1 are 0/0 → 0.
  assert.deepEqual(classificationMetrics(labels, scores, 1), { precision: 0, recall: 0, f1: 0, fpr: 0, accuracy: 4 / 7 });
  // No malware rows: recall 0/0 → 0. No benign rows: fpr 0/0 → 0.
  assert.equal(classificationMetrics([0, 0], [0.9, 0.1], 0.5).recall, 0);
  assert.equal(classificationMetrics([1, 1], [0.9, 0.1], 0.5).fpr, 0);
  // ±Infinity thresholds are the "flag nothing" and "flag everything" rules.
  assert.deepEqual(confusionAt(labels, scores, -Infinity), { tp: 3, fp: 4, tn: 0, fn: 0 });
  assert.deepEqual(confusionAt(labels, scores, Infinity), { tp: 0, fp: 0, tn: 4, fn: 3 });
});

test('evaluateScores returns exactly the CLI contract keys', () => {
  const ev = evaluateScores(Uint8Array.from([0, 0, 1, 1]), Float32Array.from([0.1, 0.4, 0.35, 0.8]), { threshold: 0.375 });
  assert.deepEqual(Object.keys(ev).sort(), ['confusion', 'f1', 'fpr', 'n', 'positives', 'pr_auc', 'precision', 'recall', 'roc_auc', 'threshold']);
  assert.deepEqual(Object.keys(ev.confusion).sort(), ['fn', 'fp', 'tn', 'tp']);
  assert.equal(ev.n, 4);
  assert.equal(ev.positives, 2);
  assert.equal(ev.roc_auc, 0.75);
  assert.deepEqual(ev.confusion, { tp: 1, fp: 1, tn: 1, fn: 1 });
  assert.equal(ev.threshold, 0.375);
});

test('detectionByGroup counts malware rows only, names missing groups "unknown", biggest first', () => {
  const labels = [1, 1, 1, 1, 1, 1, 0, 0];
  const scores = [0.9, 0.2, 0.8, 0.7, 0.1, 0.95, 0.99, 0.99];
  const groups = ['Airpush', 'Airpush', null, '', 'Dowgin', '  ', 'Airpush', null];
  assert.deepEqual(detectionByGroup(labels, scores, groups, 0.5), [
    { group: 'unknown', n: 3, detected: 3, rate: 1 },
    { group: 'Airpush', n: 2, detected: 1, rate: 0.5 },
    { group: 'Dowgin', n: 1, detected: 0, rate: 0 },
  ]);
  assert.deepEqual(detectionByGroup([0, 0], [0.1, 0.9], ['a', 'b'], 0.5), []);
  invalid(() => detectionByGroup(labels, scores, groups.slice(1), 0.5), /8 labels but 7 groups/);
});

test('scoreHistogram: [0, 1] bins for probabilities, data range otherwise, top edge included', () => {
  const h = scoreHistogram([0, 0.1, 0.5, 0.99, 1, 0.5], [0, 0, 1, 1, 1, 0], 4);
  assert.deepEqual(h.edges, [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(h.benign, [2, 0, 1, 0]);
  assert.deepEqual(h.malware, [0, 0, 1, 2]);
  const logits = scoreHistogram([-3, 1, 5], [0, 1, 1], 2);
  assert.deepEqual(logits.edges, [-3, 1, 5]);
  assert.deepEqual([logits.benign, logits.malware], [[1, 0], [0, 2]]);
  const same = scoreHistogram([7, 7], [0, 1], 1);
  assert.deepEqual([same.edges, same.benign, same.malware], [[6.5, 7.5], [1], [1]]);
  const explicit = scoreHistogram([0.1, 0.5, 2], [0, 1, 1], [0, 0.5, 1]);
  assert.deepEqual([explicit.benign, explicit.malware], [[1, 0], [0, 1]]); // 2 lies outside the edges
  invalid(() => scoreHistogram([0.1], [0], 0), /bins is 0/);
  invalid(() => scoreHistogram([0.1], [0], [0.5, 0.5]), /strictly ascending/);
});

test('bad input fails with actionable DfpErrors', () => {
  invalid(() => rocAuc([0, 1], [0.5]), /2 labels but 1 scores/);
  invalid(() => rocAuc([], []), /no rows/);
  invalid(() => prAuc([0, 2], [0.1, 0.2]), /label at row 1 is 2/);
  invalid(() => rocCurve([0, 1], [0.1, NaN]), /row 1 is NaN/);
  invalid(() => confusionAt([0, 1], [0.1, 0.2], NaN), /threshold is NaN/);
});
