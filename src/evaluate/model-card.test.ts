// The model card carries the numbers it was given, links plots that exist beside it, and always states its limits.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { type GroupDetection, detectionByGroup, evaluateScores } from '../core/ml/eval/index.ts';
import { mulberry32 } from '../core/ml/prng.ts';
import { MAX_GROUP_ROWS, type ModelCardInput, fmt, modelCard, writeModelCard, writePlots } from './index.ts';

function scored(n: number, seed: number) {
  const rand = mulberry32(seed);
  const labels = Array.from({ length: n }, () => (rand() < 0.5 ? 1 : 0));
  const scores = labels.map((y) => Math.min(1, rand() * 0.7 + y * 0.4 * rand()));
  const families = labels.map(() => ['Airpush', 'Dowgin', 'Fake|Inst', null][Math.floor(rand() * 4)]!);
  return { labels, scores, families };
}

function baseInput(): ModelCardInput {
  const v = scored(400, 1);
  const t = scored(300, 2);
  return {
    name: 'dfp-classifier',
    kind: 'classifier',
    runId: 'run-7f3a',
    dataCommit: 'c0ffee12',
    config: { model: { hidden: [128, 64], dropout: 0.2 }, train: { epochs: 30, split: 'time' } },
    metrics: { validation: evaluateScores(v.labels, v.scores, { threshold: 0.55 }), test: evaluateScores(t.labels, t.scores, { threshold: 0.55 }) },
    perGroup: detectionByGroup(t.labels, t.scores, t.families, 0.55),
    featureCount: 289,
    featureHash: 'sha256:ab12',
    trainedOn: {
      source: 'lake table apps @ main',
      splitKind: 'time: test from 2020-01',
      splits: { train: { rows: 5000, malware: 2400, from: '2012-01', to: '2019-06' }, validation: { rows: 400, malware: 200, from: '2012-01', to: '2019-06' }, test: { rows: 300, from: '2020-01', to: '2020-12' } },
      at: '2025-01-02T03:04:05Z',
    },
  };
}

test('the card has every section, the metrics of each split, the confusion counts and the data summary', () => {
  const input = baseInput();
  const md = modelCard(input);
  for (const h of ['# Model card: dfp-classifier', '## Overview', '## Data', '## Training configuration', '## Metrics', '## Confusion matrix', '## Detection by malware family', '## Intended use', '## Limitations']) {
    assert.ok(md.includes(h), `missing ${h}`);
  }
  const { validation, test: t } = input.metrics as Record<string, ReturnType<typeof evaluateScores>>;
  assert.ok(md.includes(`| ROC AUC | ${fmt(validation!.roc_auc)} | ${fmt(t!.roc_auc)} |`), 'ROC AUC row');
  assert.ok(md.includes(`| PR AUC (average precision) | ${fmt(validation!.pr_auc)} | ${fmt(t!.pr_auc)} |`), 'PR AUC row');
  assert.ok(md.includes(`| F1 | ${fmt(validation!.f1)} | ${fmt(t!.f1)} |`));
  assert.ok(md.includes(`| Malware | ${t!.confusion.tp} (true positives) | ${t!.confusion.fn} (missed) |`));
  assert.ok(md.includes(`| Benign | ${t!.confusion.fp} (false alarms) | ${t!.confusion.tn} (true negatives) |`));
  assert.ok(md.includes('| train | 5000 | 2400 | 48.0% | 2012-01 – 2019-06 |'));
  assert.ok(md.includes('| test | 300 | n/a | n/a | 2020-01 – 2020-12 |'));
  assert.ok(md.includes('`c0ffee12`') && md.includes('`run-7f3a`') && md.includes('289 (feature list hash `sha256:ab12`)'));
  assert.ok(md.includes('hidden:\n') && md.includes('dropout: 0.2'), 'config as YAML');
  assert.ok(md.includes('| Fake\\|Inst |'), 'a pipe in a family name is escaped');
  assert.ok(md.includes('| unknown |'), 'rows without a family');
  assert.match(md, /VirusTotal/);
  assert.match(md, /[Cc]oncept drift/);
  assert.match(md, /[Ss]ynthetic data .* is not real/);
  assert.ok(!md.includes('Trained and evaluated on synthetic data'));
});

test('one evaluation, synthetic data, custom use and limits, many families', () => {
  const input = baseInput();
  const many: GroupDetection[] = Array.from({ length: MAX_GROUP_ROWS + 5 }, (_, i) => ({ group: `fam${i}`, n: 100 - i, detected: 50, rate: 50 / (100 - i) }));
  const md = modelCard({
    ...input,
    metrics: (input.metrics as Record<string, ReturnType<typeof evaluateScores>>).test!,
    perGroup: { family: many, category: [] },
    trainedOn: { ...input.trainedOn, synthetic: true },
    intendedUse: 'Only for pipeline tests.',
    limits: ['Trained on 1% of the data.'],
  });
  assert.ok(md.includes('Trained and evaluated on synthetic data'));
  assert.ok(md.includes('| Metric | evaluation |'));
  assert.ok(md.includes('### By family') && md.includes('### By category') && md.includes('_No malware rows._'));
  assert.ok(md.includes(`| fam${MAX_GROUP_ROWS - 1} |`) && !md.includes(`| fam${MAX_GROUP_ROWS} |`));
  const restN = many.slice(MAX_GROUP_ROWS).reduce((s, g) => s + g.n, 0);
  assert.ok(md.includes(`| (5 smaller groups) | ${restN} | 250 |`));
  assert.ok(md.includes('Only for pipeline tests.') && md.includes('- Trained on 1% of the data.'));
});

test('writeModelCard writes the card with links to plots that exist beside it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfp-card-'));
  try {
    const { labels, scores } = scored(500, 3);
    const cardPath = join(dir, 'models', 'dfp-classifier', 'MODEL_CARD.md');
    const plots = await writePlots(join(dirname(cardPath), 'plots'), { labels, scores, threshold: 0.5, title: 'dfp-classifier' });
    const rel = Object.fromEntries(Object.entries(plots).map(([k, p]) => [k, relative(dirname(cardPath), p)]));
    assert.equal(await writeModelCard(cardPath, { ...baseInput(), plots: rel }), cardPath);
    const md = readFileSync(cardPath, 'utf8');
    assert.ok(md.includes('![ROC curve](plots/roc.png)') && md.includes('[ROC curve (SVG)](plots/roc.svg)'));
    assert.ok(md.includes('![Precision-recall curve](plots/pr.png)') && md.includes('![Score distribution by class](plots/score-histogram.png)'));
    const links = [...md.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!);
    assert.equal(links.length, 6);
    for (const link of links) assert.ok(existsSync(join(dirname(cardPath), link)), `broken link ${link}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a card without metrics or name is refused with an actionable error', () => {
  assert.throws(() => modelCard({ ...baseInput(), metrics: {} }), /no metrics; pass the evaluateScores result/);
  assert.throws(() => modelCard({ ...baseInput(), name: ' ' }), /model name is empty/);
});
