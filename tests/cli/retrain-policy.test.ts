// Issue 17's retraining loop in `dfp run`, on the real 2019 subset as months arrive: the models are first trained on
// January–September; then the whole year arrives (a new lake commit). retrain.when=never keeps production and
// reports its numbers on the newest months; retrain.when=drift (the default) sees the new quarter drift, fits a
// challenger and judges it next to the champion on the same newest test months, promoting only a better one. The
// decision and both numbers are in the run summary (and so on the dashboard) and in tracking.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunSummary } from '../../src/pipeline/types.ts';
import { writeMonths } from '../support/month-file.ts';
import { REAL_2019, haveRealData } from '../support/shared-data.ts';
import { dfpJson } from '../support/trainable-workspace.ts';

// Quick models: the policy is under test, not model quality.
const FAST = ['train.epochs=8', 'train.patience=4', 'model.classifier.kind=trees', 'model.classifier.trees.iterations=60'];
const MODELS = ['kronodroid_autoencoder', 'kronodroid_detector', 'kronodroid_detector_static'];

interface VersionList {
  versions: { version: string; tags: Record<string, string> }[];
}

test('dfp run retraining policy: never keeps production on new data, drift retrains and judges on the newest months', { timeout: 1_800_000 }, (t) => {
  if (!haveRealData(t)) return;
  const home = mkdtempSync(join(tmpdir(), 'dfp-retrain-'));
  const env = { DFP_HOME: home };
  const early = writeMonths(REAL_2019, (m) => m < '2019-10', join(home, 'jan-sep.csv'));
  const run = (source: string, extra: string[] = []) => dfpJson<RunSummary>(['run', '--source', source, ...FAST, ...extra], env);

  const first = run(early);
  for (const name of MODELS) {
    const m = first.models[name]!;
    assert.deepEqual([m.version, m.production, m.retrain.trained], ['1', true, true], name);
    assert.match(m.retrain.reason, /no production version yet/);
  }

  const kept = run(REAL_2019, ['retrain.when=never']);
  assert.notEqual(kept.data_commit, first.data_commit, 'the whole year is a new data commit');
  for (const name of MODELS) {
    const m = kept.models[name]!;
    assert.equal(m.retrain.trained, false, name);
    assert.match(m.retrain.reason, /retrain\.when=never: production v1 kept/);
    assert.equal(m.version, '1', `${name}: nothing new registered`);
    assert.equal(m.champion.candidate_value, null);
    assert.equal(m.champion.promoted, false);
    // Production's numbers are now those of the newest test months (October–December), which it never saw.
    assert.equal(m.champion.production_value, m.metrics.roc_auc);
    assert.notEqual(m.metrics.roc_auc, first.models[name]!.metrics.roc_auc);
    assert.equal(dfpJson<VersionList>(['models', 'show', name], env).versions.length, 1);
  }

  const retrained = run(REAL_2019);
  for (const name of MODELS) {
    const m = retrained.models[name]!;
    const c = m.champion;
    assert.equal(m.retrain.trained, true, name);
    assert.match(m.retrain.reason, /retrain\.when=drift: \d+ new apps drifted from production v1's training data \(\d+ features\)/);
    assert.equal(m.version, '2', `${name}: the challenger is registered`);
    assert.equal(c.metric, 'roc_auc');
    assert.equal(c.production_version, '1');
    // Champion and challenger on the same rows: the champion's number is the one the never-run reported.
    assert.ok(Math.abs((c.production_value as number) - (kept.models[name]!.metrics.roc_auc as number)) < 1e-9, `${name}: ${String(c.production_value)}`);
    assert.equal(c.candidate_value, m.metrics.roc_auc);
    assert.equal(c.promoted, (c.candidate_value as number) > (c.production_value as number), c.reason);
    assert.equal(m.production_version, c.promoted ? '2' : '1');
    const v2 = dfpJson<VersionList>(['models', 'show', name], env).versions.find((v) => v.version === '2')!;
    assert.equal(v2.tags['dfp.champion.decision'], c.promoted ? 'promoted' : 'kept_production', 'the decision is in tracking');
  }
});
