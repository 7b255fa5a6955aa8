// The drift document's parts on made-up numbers: the count-based window, a model's score drift, and the document with
// its months; `dfp drift` and GET /v1/drift build the same document from these (tests/cli/drift-production.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../config/load.ts';
import { mulberry32, normal } from '../ml/prng.ts';
import { configThresholds, driftReport, MIN_ROWS } from './document.ts';
import { unseenFamilies } from './families.ts';
import { DEFAULT_THRESHOLDS } from './report.ts';
import { alertRate, scoreDrift } from './score.ts';
import { RollingWindow } from './window.ts';

test('rolling window: keeps the last `capacity` rows in arrival order, however they were pushed', () => {
  const w = new RollingWindow(3, 2);
  assert.deepEqual(w.snapshot(), { x: new Float32Array(0), n: 0 });
  w.push(Float32Array.of(1, 1, 2, 2), 2);
  assert.deepEqual([...w.snapshot().x], [1, 1, 2, 2]);
  w.push(Float32Array.of(0, 0, 3, 3, 4, 4, 5, 5), 3, 1); // rows 1..3 of a batch
  assert.deepEqual(w.snapshot(), { x: Float32Array.from([3, 3, 4, 4, 5, 5]), n: 3 });
  w.push(Float32Array.of(6, 6), 1);
  assert.deepEqual([...w.snapshot().x], [4, 4, 5, 5, 6, 6]);
  assert.deepEqual([w.size, w.seen], [3, 6]);
  // More rows at once than it holds: the newest ones stay, wrapping around the ring.
  w.push(Float32Array.of(7, 7, 8, 8, 9, 9, 10, 10, 11, 11), 5);
  assert.deepEqual([...w.snapshot().x], [9, 9, 10, 10, 11, 11]);
  w.push(Float32Array.of(12, 12, 13, 13), 2);
  assert.deepEqual([...w.snapshot().x], [11, 11, 12, 12, 13, 13]);
  w.clear();
  assert.equal(w.size, 0);
  assert.throws(() => new RollingWindow(0, 1), /at least 1 row/);
});

test('score drift: alert rates at the threshold (strictly above), mean shift, PSI and KS', () => {
  assert.equal(alertRate([0.1, 0.5, 0.6, 0.9], 0.5), 0.5);
  const z = normal(mulberry32(5));
  const ref = Array.from({ length: 1000 }, () => z());
  const same = scoreDrift({ name: 'm', version: '1', kind: 'classifier', threshold: 1, reference: ref, current: ref }, DEFAULT_THRESHOLDS);
  assert.deepEqual([same.psi, same.ks, same.mean_shift, same.drifted], [0, 0, 0, false]);
  assert.equal(same.alert_rate, same.reference_alert_rate);
  const moved = scoreDrift({ name: 'm', version: '1', kind: 'classifier', threshold: 1, reference: ref, current: ref.map((v) => v + 1) }, DEFAULT_THRESHOLDS);
  assert.ok(Math.abs(moved.mean_shift - 1) < 1e-9 && moved.psi > 0.25 && moved.drifted, JSON.stringify(moved));
  // About 16 % of a standard normal is above 1, about half once it is shifted by 1.
  assert.ok(moved.reference_alert_rate > 0.12 && moved.reference_alert_rate < 0.2 && moved.alert_rate > 0.45 && moved.alert_rate < 0.55, JSON.stringify(moved));
});

test('drift document: features, the verdict model as score with the fingerprint beside it, months with alert rates', () => {
  const cols = ['read', 'INTERNET'];
  const n = 60;
  const ref = { x: Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 ? i % 3 === 0 ? 1 : 0 : (i >> 1) % 10)), n };
  const cur = { x: Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 ? 1 : 50 + ((i >> 1) % 10))), n };
  const month = Array.from({ length: n }, (_, i) => (i < 30 ? '2020-01' : i < 55 ? '2020-02' : '2020-03'));
  const refScores = Float32Array.from({ length: n }, (_, i) => (i % 10) / 10);
  const curScores = Float32Array.from({ length: n }, (_, i) => (i < 30 ? 0.95 : (i % 10) / 10));
  const doc = driftReport({
    columns: cols,
    reference: { source: 'ref.csv', rows: n, commit: null, x: ref },
    current: { source: 'cur.csv', rows: n, commit: 'abc', x: cur, month },
    models: [
      { name: 'detector', version: '3', kind: 'classifier', threshold: 0.5, reference: refScores, current: curScores },
      { name: 'autoencoder', version: '1', kind: 'autoencoder', threshold: 0.5, reference: refScores, current: refScores },
    ],
  });
  assert.deepEqual(Object.keys(doc), ['reference', 'current', 'drifted', 'score', 'features', 'groups', 'months', 'families', 'thresholds']);
  assert.equal(doc.drifted, true);
  assert.deepEqual(doc.features.map((f) => [f.name, f.drifted]), [['read', true], ['INTERNET', true]]);
  assert.deepEqual([doc.score!.model, doc.score!.version, doc.score!.fingerprint!.model, doc.score!.fingerprint!.drifted], ['detector', '3', 'autoencoder', false]);
  assert.equal(doc.score!.reference_alert_rate, 0.4);
  // Months with fewer than MIN_ROWS apps are left out; the first month's apps all score 0.95.
  assert.deepEqual(doc.months.map((m) => [m.month, m.rows, m.alert_rate]), [['2020-01', 30, 1], ['2020-02', 25, 0.32]]);
  assert.ok(doc.months[0]!.score_psi! > 0.25 && doc.months[1]!.score_psi! < doc.months[0]!.score_psi!);
  assert.deepEqual(doc.thresholds, { ...DEFAULT_THRESHOLDS, correction: 'benjamini-hochberg' });

  const alone = driftReport({ columns: cols, reference: { source: 'r', rows: n, commit: null, x: ref }, current: { source: 'r', rows: n, commit: null, x: ref }, models: [] });
  assert.deepEqual([alone.drifted, alone.score, alone.months, alone.families], [false, null, [], null]);
  const few = { x: cur.x.slice(0, (MIN_ROWS - 1) * 2), n: MIN_ROWS - 1 };
  assert.throws(() => driftReport({ columns: cols, reference: { source: 'r', rows: n, commit: null, x: ref }, current: { source: 'tiny.csv', rows: few.n, commit: null, x: few }, models: [] }), /the current side 'tiny\.csv' has 19 usable row\(s\); comparing distributions needs at least 20/);
});

test('thresholds come from the config\'s drift section; a moderate PSI above the major one is refused naming the keys', () => {
  const { config } = loadConfig({ env: {}, overrides: ['drift.psi_major=0.3', 'drift.alpha=0.01'] });
  assert.deepEqual(configThresholds(config), { psiModerate: 0.1, psiMajor: 0.3, alpha: 0.01, bins: 10 });
  assert.throws(() => loadConfig({ env: {}, overrides: ['drift.psi_moderate=0.5'] }), /drift\.psi_moderate must not be above drift\.psi_major/);
});

test('unseen families: labelled malware of a family the reference has no app of; null without labelled families', () => {
  const reference = ['Joker', null, 'Hiddad', 'Joker'];
  const family = ['Joker', 'Anubis', 'Anubis', 'Cerberus', null, 'Hiddad', 'Anubis'];
  const label = [1, 1, 1, 1, 1, 1, 0]; // the last Anubis is labelled benign: not counted
  assert.deepEqual(unseenFamilies(reference, { family, label }), {
    malware: 5,
    unseen: 3,
    share_unseen: 0.6,
    unseen_families: [{ name: 'Anubis', apps: 2 }, { name: 'Cerberus', apps: 1 }],
  });
  assert.equal(unseenFamilies(reference, { family: [null, null], label: [1, 0] }), null);
});
