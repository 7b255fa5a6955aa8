// Single steps end in a served model: `dfp train --register` registers exactly as `dfp run` does (a version with alias
// candidate, production moved by champion/challenger), and `dfp serve` is then ready. Embedded store, self-made data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDfp } from '../support/cli.ts';
import { FAST_TRAIN, dfpJson, readyz, trainableWorkspace } from '../support/trainable-workspace.ts';

interface Trained {
  run_id: string;
  registered: { name: string; version: string; production: boolean; champion: { metric: string; promoted: boolean; production_version: string | null; reason: string } };
}
interface Version {
  version: string;
  runId: string;
  aliases: string[];
  tags: Record<string, string>;
}

test('dfp train --register (both models), then dfp serve answers /readyz 200; a second candidate meets the champion', async () => {
  const home = trainableWorkspace();
  const env = { DFP_HOME: home };
  assert.equal((await readyz(env)).status, 503, 'nothing registered yet: not ready');

  const ae = dfpJson<Trained>(['train', 'model=autoencoder', '--register', ...FAST_TRAIN], env);
  const clf = dfpJson<Trained>(['train', 'model=classifier', '--register', ...FAST_TRAIN], env);
  for (const [r, name] of [[ae, 'kronodroid_autoencoder'], [clf, 'kronodroid_detector']] as const) {
    assert.equal(r.registered.name, name, 'the names dfp run registers');
    assert.equal(r.registered.version, '1');
    assert.equal(r.registered.production, true);
    assert.deepEqual([r.registered.champion.metric, r.registered.champion.promoted, r.registered.champion.production_version], ['roc_auc', true, null]);
    const show = dfpJson<{ model: { aliases: Record<string, string> }; versions: Version[] }>(['models', 'show', name], env);
    assert.deepEqual(show.model.aliases, { candidate: '1', production: '1' });
    const v = show.versions[0]!;
    assert.equal(v.runId, r.run_id);
    // The tags dfp run's register step writes: kind, data commit, the champion decision.
    assert.equal(v.tags['dfp.kind'], r === ae ? 'autoencoder' : 'classifier');
    assert.match(v.tags['dfp.data_commit'] ?? '', /^[0-9a-f]{64}$/);
    assert.equal(v.tags['dfp.champion.decision'], 'promoted');
  }

  const served = await readyz(env);
  assert.equal(served.status, 200, `${served.body}\n${served.greeting}`);
  // Whichever registered model serve.model names, it is the production version just trained.
  assert.match(served.greeting, /model: kronodroid_(autoencoder|detector) version 1 \(alias production\)/);

  // A second classifier is registered as v2 "candidate"; production moves only if it beats v1 on the same test rows.
  const again = runDfp(['train', 'model=classifier', '--register', ...FAST_TRAIN, 'train.seed=11'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /registered: kronodroid_detector: candidate v2 roc_auc=\d\.\d{4}, production v1 roc_auc=\d\.\d{4} → (promoted to production|production kept)/);
  const show = dfpJson<{ model: { aliases: Record<string, string> }; versions: Version[] }>(['models', 'show', 'kronodroid_detector'], env);
  assert.equal(show.model.aliases.candidate, '2');
  const promoted = show.versions[0]!.tags['dfp.champion.decision'] === 'promoted';
  assert.equal(show.model.aliases.production, promoted ? '2' : '1');
  assert.match(again.stdout, promoted ? /serve it: dfp serve/ : /production stays v1; promote this one anyway with `dfp models promote kronodroid_detector 2 --alias production`/);
});

test('--register-name is checked before any training', () => {
  const bad = runDfp(['train', 'model=classifier', '--register-name', 'no/slash', ...FAST_TRAIN]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /model name 'no\/slash' is not allowed/);
  assert.doesNotMatch(bad.stderr, /training_apps/, 'refused before reading any data');
});
