// `dfp crossval` through the real binary: the --json contract on a small KronoDroid-shaped CSV, the human table,
// and the refusals (too few families for --folds, the autoencoder, a bad override).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { scratch, writeTrainableCsv } from '../../src/ingest/testing.ts';
import { runDfp } from '../support/cli.ts';

// Malware are the odd rows; with 6 months and the last 3 left out for testing, the training months hold 41 apps.
let csv = '';
const FAST = ['train.epochs=3', 'model.classifier.hidden=[8]', 'model.classifier.folds=2'];

before(() => {
  csv = writeTrainableCsv(scratch('dfp-crossval-cli-'), 'apps.csv', 80, { families: 4 });
});

interface Doc {
  data: { apps: number; malware: number; families: number; months: string[]; test_from: string };
  folds: number;
  repeats: number;
  seed: number;
  baseline: string;
  candidates: { name: string; overrides: string[]; mean_auc: number; mean_f1: number; min_f1: number; delta_auc: number; delta_f1: number; wins_auc: number; losses_auc: number; folds: Record<string, number>[] }[];
}

test('--json: the data, the settings and every candidate with its folds, ranked, deltas against the config', () => {
  const r = runDfp(['crossval', '--data', csv, ...FAST, '--folds', '2', '--repeats', '1', '--seed', '3', '--candidate', 'drop0.5: model.classifier.dropout=0.5', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1, 'one JSON document');
  const doc = JSON.parse(r.stdout) as Doc;
  assert.deepEqual(doc.data.months, ['2019-01', '2019-02', '2019-03']);
  assert.equal(doc.data.test_from, '2019-04');
  assert.equal(doc.data.apps, 41);
  assert.ok(doc.data.malware > 0 && doc.data.families === 4, JSON.stringify(doc.data));
  assert.deepEqual([doc.folds, doc.repeats, doc.seed, doc.baseline], [2, 1, 3, 'config']);
  assert.deepEqual(doc.candidates.map((c) => c.name).sort(), ['config', 'drop0.5']);
  const config = doc.candidates.find((c) => c.name === 'config')!;
  assert.deepEqual(config.overrides, FAST, 'the baseline is the config with the overrides given');
  const drop = doc.candidates.find((c) => c.name === 'drop0.5')!;
  assert.deepEqual(drop.overrides, ['model.classifier.dropout=0.5']);
  for (const c of doc.candidates) {
    for (const k of ['mean_auc', 'mean_f1', 'min_f1', 'delta_auc', 'delta_f1', 'wins_auc', 'losses_auc']) assert.equal(typeof c[k as keyof typeof c], 'number', `${c.name}.${k}`);
    assert.equal(c.folds.length, 2);
    for (const f of c.folds) assert.deepEqual(Object.keys(f).filter((k) => k !== 'repeat' && k !== 'fold').sort(), ['f1', 'fpr', 'held_families', 'held_malware', 'recall', 'roc_auc']);
    assert.equal(c.folds.reduce((s, f) => s + f.held_malware!, 0), doc.data.malware, 'every training malware app is held out once');
  }
  assert.ok(Math.abs(drop.delta_auc - (drop.mean_auc - config.mean_auc)) < 1e-9);
  const [first, second] = doc.candidates;
  assert.ok(first!.mean_auc > second!.mean_auc || (first!.mean_auc === second!.mean_auc && first!.mean_f1 >= second!.mean_f1), 'best first');
});

test('human output: the config per fold, alone when no candidate is given', () => {
  const r = runDfp(['crossval', '--data', csv, ...FAST, '--folds', '2', '--repeats', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /training months 2019-01\.\.2019-03 \(from 2019-04 on left out\): 41 apps, \d+ malware in 4 families/);
  assert.match(r.stdout, /config \(train\.epochs=3 .*\), per fold:/);
  assert.match(r.stdout, /mean roc_auc \d\.\d{4}/);
  assert.doesNotMatch(r.stdout, /ranked by/, 'nothing to rank');
});

test('refusals: too few families for --folds, the autoencoder, a bad override (baseline or candidate)', () => {
  const folds = runDfp(['crossval', '--data', csv, ...FAST, '--folds', '5', '--json']);
  assert.equal(folds.code, 1);
  assert.match(folds.stderr, /--folds 5 needs at least 5 malware families in the training months \(before 2019-04\), found 4/);
  assert.equal((JSON.parse(folds.stdout) as { error: { code: string } }).error.code, 'INPUT_INVALID');

  const ae = runDfp(['crossval', '--data', csv, 'model=autoencoder']);
  assert.equal(ae.code, 2);
  assert.match(ae.stderr, /model=autoencoder is one-class/);

  const bad = runDfp(['crossval', '--data', csv, 'model.classifier.dropot=0.3']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown config key 'model\.classifier\.dropot'/);

  const cand = runDfp(['crossval', '--data', csv, '--candidate', 'x: model.classifier.dropout=2']);
  assert.equal(cand.code, 2);
  assert.match(cand.stderr, /candidate 'x': config key 'model\.classifier\.dropout'/);

  const grid = runDfp(['crossval', '--data', csv, '--grid', 'huge']);
  assert.equal(grid.code, 2);
  assert.match(grid.stderr, /unknown --grid 'huge'; allowed: quick \(the default\), full \(alias builtin\), none/);
});

test('--help explains family-grouped cross-validation, the quick grid and how to reproduce the preset choice', () => {
  const r = runDfp(['crossval', '--help']);
  assert.equal(r.code, 0);
  for (const s of ['family', 'never saw', '--grid full', '--grid quick', 'kronodroid-real-2019.csv', '--candidate', 'model=autoencoder']) assert.ok(r.stdout.includes(s), `help lacks ${s}`);
});
