// `dfp run --replay-months` on the real 2019 subset: month by month, the production model's rates on months it never
// saw, challengers judged on the newest month, promotions only on a better score there.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { runDfp } from '../support/cli.ts';
import { REAL_2019, haveRealData } from '../support/shared-data.ts';

interface Month {
  month: string;
  n: number;
  malware: number;
  production: { version: number; alert_rate: number; recall: number; fpr: number } | null;
  drift: { drifted: boolean } | null;
  decision?: { challenger: number; champion: number | null; promoted: boolean; version: number; trained_on: string[] };
}
interface Replay { months: Month[]; promotions: number; plots: { png: string } }

const FAST = ['model.classifier.trees.iterations=60', '--json'];

test('dfp run --replay-months: rates per month from a model that never saw it; promotions only when the challenger wins on the newest month', (t) => {
  if (!haveRealData(t)) return;
  const r = runDfp(['run', '--replay-months', '--source', REAL_2019, 'retrain.when=always', ...FAST]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Replay;
  assert.equal(out.months.length, 12);
  let production: { version: number; trained_on: string[] } | undefined;
  for (const m of out.months) {
    if (production) {
      assert.equal(m.production?.version, production.version, `${m.month}: the promoted model answers`);
      assert.ok(production.trained_on.every((x) => x < m.month), `${m.month}: production never trained on it`);
      assert.ok(m.production!.alert_rate >= 0 && m.production!.alert_rate <= 1);
    } else assert.equal(m.production, null);
    const d = m.decision;
    if (d) {
      assert.ok(d.trained_on.every((x) => x < m.month), 'the challenger never trained on the month it is judged on');
      if (d.champion !== null) assert.equal(d.promoted, d.challenger > d.champion, `${m.month}: promoted only when better (margin 0)`);
      if (d.promoted) production = { version: d.version, trained_on: d.trained_on };
    }
  }
  assert.equal(out.promotions, out.months.filter((m) => m.decision?.promoted).length);
  assert.ok(out.promotions >= 1 && existsSync(out.plots.png));
});

test('dfp run --replay-months with retrain.when=never keeps the first model; without --source it says what it needs', (t) => {
  if (!haveRealData(t)) return;
  const r = runDfp(['run', '--replay-months', '--source', REAL_2019, 'retrain.when=never', ...FAST]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Replay;
  assert.equal(out.promotions, 1);
  const versions = new Set(out.months.flatMap((m) => (m.production ? [m.production.version] : [])));
  assert.deepEqual([...versions], [1]);
  const bad = runDfp(['run', '--replay-months']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--replay-months needs --source/);
});
