// The built-in grids of `dfp crossval` (quick: the preset and its ablations; full: the grid it was chosen from), which
// grid a command line asks for, and the duration model of the estimate printed before the first fit.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DfpError } from '../core/errors.ts';
import { DEFAULT_REPEATS, QUICK_GRID, builtinCandidates, gridCandidates, resolveGrid } from './candidates.ts';
import { estimate, fitSeconds } from './crossval.ts';
import { synthDataset, testConfig } from './testing.ts';

test('the quick grid: the shipped preset and its three ablations, at target FPR 0.005 and 0.01', () => {
  const quick = gridCandidates('quick');
  assert.deepEqual(
    quick.map((c) => c.name),
    [
      'former@0.005',
      'former@0.01',
      'cf+ls0.05@0.005',
      'cf+ls0.05@0.01',
      'cf+ls0.05+drop0.4@0.005',
      'cf+ls0.05+drop0.4@0.01',
      'cf+drop0.4@0.005',
      'cf+drop0.4@0.01',
    ],
  );
  assert.equal(new Set(quick.map((c) => c.name.split('@')[0])).size, QUICK_GRID.length);
  // Each is spelled exactly as in the full grid, so their numbers can be compared across the two.
  const full = new Map(builtinCandidates().map((c) => [c.name, c.overrides]));
  for (const c of quick) assert.deepEqual(c.overrides, full.get(c.name), c.name);
  assert.deepEqual(gridCandidates('full'), builtinCandidates());
  assert.ok(builtinCandidates().length > 50);
});

test('which grid: --grid alone is quick, builtin is full, a bare command runs quick, own candidates or overrides none', () => {
  const none = { candidates: 0, overrides: 0 };
  assert.equal(resolveGrid(true, none), 'quick');
  assert.equal(resolveGrid(true, { candidates: 2, overrides: 1 }), 'quick');
  assert.equal(resolveGrid('full', none), 'full');
  assert.equal(resolveGrid('builtin', none), 'full');
  assert.equal(resolveGrid('none', none), 'none');
  assert.equal(resolveGrid(undefined, none), 'quick');
  assert.equal(resolveGrid(undefined, { candidates: 1, overrides: 0 }), 'none');
  assert.equal(resolveGrid(undefined, { candidates: 0, overrides: 2 }), 'none');
  assert.throws(() => resolveGrid('huge', none), (e: unknown) => e instanceof DfpError && e.code === 'USAGE' && /allowed: quick \(the default\), full \(alias builtin\), none/.test(e.message));
  // `--grid train.epochs=3`: commander took the override as the grid's value.
  assert.throws(() => resolveGrid('train.epochs=3', none), /write --grid quick \(or full, none\) before key=value overrides/);
  assert.deepEqual(DEFAULT_REPEATS, { quick: 1, full: 3, none: 3 });
});

test('the estimate: distinct configurations x folds x repeats, cross-fitting and ensembles cost more, target_fpr twins are free', () => {
  const ws = mkdtempSync(join(tmpdir(), 'dfp-estimate-'));
  const preset = testConfig(['model=classifier'], ws);
  const holdout = testConfig(['model=classifier', 'model.classifier.calibration=holdout'], ws);
  const ens = testConfig(['model=classifier', 'model.classifier.calibration=holdout', 'model.classifier.ensemble=5'], ws);
  const twin = testConfig(['model=classifier', 'model.target_fpr=0.01'], ws);
  assert.ok(fitSeconds(preset, 750) > 3 * fitSeconds(holdout, 750), 'five cross-fitting members against one');
  assert.ok(fitSeconds(ens, 750) > 4 * fitSeconds(holdout, 750));
  assert.ok(fitSeconds(preset, 1500) > 1.8 * fitSeconds(preset, 750), 'about linear in rows');
  // The shipped preset on the 2019 subset's training months (~760 rows per fit) was measured at 15-20 s per fit.
  assert.ok(fitSeconds(preset, 758) > 8 && fitSeconds(preset, 758) < 30, String(fitSeconds(preset, 758)));

  const d = synthDataset(1000, 1);
  const e = estimate(d, [{ config: preset }, { config: holdout }, { config: twin }], { folds: 4, repeats: 3 });
  assert.deepEqual([e.candidates, e.configs, e.folds, e.repeats, e.fits], [3, 2, 4, 3, 24]);
  assert.equal(e.seconds, Math.round(12 * (fitSeconds(preset, 750) + fitSeconds(holdout, 750))));
});
