// `dfp crossval` with stderr piped (not a terminal): the duration estimate comes first, before any fit, then progress
// lines of the shared line reporter name the candidate (i/N) with the overall share and ETA. Tiny data and epochs.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { scratch, writeTrainableCsv } from '../../src/ingest/testing.ts';
import { runDfp } from '../support/cli.ts';

let csv = '';
const FAST = ['model.classifier.kind=mlp', 'train.epochs=3', 'model.classifier.hidden=[8]', 'model.classifier.folds=2'];

before(() => {
  csv = writeTrainableCsv(scratch('dfp-crossval-progress-'), 'apps.csv', 80, { families: 4 });
});

test('--grid quick off a terminal: the estimate first, then one line per candidate with share and overall ETA, then done', () => {
  // DFP_PROGRESS_SECONDS=0: a line at every fit instead of every few seconds, so a tiny run shows them all.
  const r = runDfp(['crossval', '--data', csv, '--grid', 'quick', ...FAST, '--folds', '2'], { DFP_PROGRESS_SECONDS: '0' });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.match(
    lines[0]!,
    /^crossval: 9 candidate\(s\) \(--grid quick, with the config\), 4 to fit \(5 differ only in model\.target_fpr and reuse those fits\) on 2 folds x 1 repeat\(s\) = 8 fits; estimated \d+(m \d+)?s \(modelled/,
    'the estimate is printed before any work, with the quick grid on one repeat by default',
  );
  assert.equal(lines[1], 'crossval candidate 1/9 config: started, 8 fits');
  const progress = lines.slice(2, -1);
  assert.equal(progress.length, 8, `a line per fit at DFP_PROGRESS_SECONDS=0:\n${r.stderr}`);
  progress.forEach((l, i) => assert.match(l, new RegExp(`^crossval candidate \\d+/9 \\S+: ${i + 1}/8 fits \\(${Math.floor(((i + 1) * 100) / 8)}%\\), \\d+s elapsed, ETA \\d+(m \\d+)?s$`), l));
  // Only the candidates that fit something show up; their @0.01 twins reuse the fits.
  const shown = [...new Set(progress.map((l) => /candidate (\d+\/9 \S+):/.exec(l)![1]))];
  assert.deepEqual(shown, ['1/9 config', '2/9 former@0.005', '4/9 cf+ls0.05@0.005', '8/9 cf+drop0.4@0.005']);
  assert.match(lines[lines.length - 1]!, /^crossval candidate 8\/9 cf\+drop0\.4@0\.005: done, 8\/8 fits in \d+s$/);
  assert.match(r.stdout, /ranked by mean ROC-AUC/);
  assert.match(r.stdout, /took \d+s \(estimated \d+(m \d+)?s for 8 fits\)/);
});

test('--grid none at the default pace: the estimate, the start, the end; --json keeps stdout one document', () => {
  const quiet = runDfp(['crossval', '--data', csv, '--grid', 'none', ...FAST, '--folds', '2', '--repeats', '1']);
  assert.equal(quiet.code, 0, quiet.stderr);
  const lines = quiet.stderr.trim().split('\n');
  assert.match(lines[0]!, /^crossval: 1 candidate\(s\), 1 to fit on 2 folds x 1 repeat\(s\) = 2 fits; estimated/);
  assert.equal(lines[1], 'crossval candidate 1/1 config: started, 2 fits');
  assert.match(lines[lines.length - 1]!, /^crossval candidate 1\/1 config: done, 2\/2 fits in \d+s$/);

  const json = runDfp(['crossval', '--data', csv, '--grid', 'none', ...FAST, '--folds', '2', '--repeats', '1', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as { grid: string; estimate: Record<string, number>; seconds: number; candidates: unknown[] };
  assert.equal(doc.grid, 'none');
  assert.deepEqual([doc.estimate.candidates, doc.estimate.configs, doc.estimate.fits], [1, 1, 2]);
  assert.ok(doc.estimate.seconds! >= 0 && doc.seconds >= 0);
  assert.equal(doc.candidates.length, 1);
  assert.match(json.stderr, /^crossval: 1 candidate\(s\)/, 'the estimate still goes to stderr; progress is silent with --json');
  assert.doesNotMatch(json.stderr, /started/);
});
