// Issue 17's bar on the real 2019 subset, as a new user meets it: after `dfp run` on the file, `dfp drift` against the
// production detector's training data says nothing moved for the training file itself, and for the last quarter of the
// year (the months the models were tested on, never trained on) reports drift, with the alert rate up from the
// reference's and the system-call and static groups drifted.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeMonths } from '../support/month-file.ts';
import { REAL_2019, haveRealData } from '../support/shared-data.ts';
import { dfpJson } from '../support/trainable-workspace.ts';

interface Doc {
  drifted: boolean;
  reference: { rows: number };
  current: { rows: number };
  score: { alert_rate: number; reference_alert_rate: number; drifted: boolean; fingerprint: { alert_rate: number } | null };
  features: { name: string; psi: number; drifted: boolean }[];
  groups: Record<string, { drifted: number }>;
}

test('dfp drift on the 2019 subset: the training file does not drift, its last quarter does', { timeout: 900_000 }, (t) => {
  if (!haveRealData(t)) return;
  const home = mkdtempSync(join(tmpdir(), 'dfp-drift-2019-'));
  const env = { DFP_HOME: home };
  dfpJson(['run', '--source', REAL_2019, 'train.epochs=20'], env);

  const same = dfpJson<Doc>(['drift', '--data', REAL_2019], env);
  assert.equal(same.drifted, false, JSON.stringify(same.features.filter((f) => f.drifted).map((f) => [f.name, f.psi])));
  assert.equal(same.current.rows, 1622);

  const late = dfpJson<Doc>(['drift', '--data', writeMonths(REAL_2019, (m) => m >= '2019-10', join(home, 'late-2019.csv'))], env);
  assert.equal(late.drifted, true);
  assert.ok(late.score.alert_rate > late.score.reference_alert_rate, `detector alert rate ${late.score.alert_rate} vs reference ${late.score.reference_alert_rate}`);
  assert.ok(late.score.fingerprint && late.score.fingerprint.alert_rate >= 0);
  assert.ok(late.groups.syscalls!.drifted > 0 && late.groups.static!.drifted > 0, JSON.stringify(late.groups));
  assert.ok(late.features.filter((f) => f.drifted).every((f) => f.psi >= 0.1), 'nothing flagged on a trivial PSI');
});
