// dfp's drift statistics against SciPy on the same arrays: the two-sample KS statistic (ks_2samp) and its
// asymptotic p-value (kstwobign), the 2×2 chi-square test (chi2_contingency without correction) and
// Benjamini–Hochberg (false_discovery_control). Real columns of the shared file, first quarter vs last.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { FEATURE_COLUMNS } from '../../../src/core/kronodroid/schema.ts';
import { benjaminiHochberg, flagChi2, ks2samp } from '../../../src/core/drift/tests.ts';
import { haveRealData, REAL_2019 } from '../../support/shared-data.ts';
import { timeSplit } from '../../support/time-split.ts';

const PYTHON = process.env.DFP_PYTHON ?? 'python3';

test('KS, chi-square and Benjamini–Hochberg equal SciPy on real columns (first vs last quarter of 2019)', async (t) => {
  if (!haveRealData(t)) return;
  const probe = spawnSync(PYTHON, ['-c', 'import scipy'], { encoding: 'utf8' });
  if (probe.status !== 0) return t.skip(`SciPy is not importable by ${PYTHON} (pip install scipy)`);
  const F = FEATURE_COLUMNS.length;
  const { train: early, test: late } = await timeSplit(REAL_2019, '2019-10');
  const column = (rows: { x: Float32Array; n: number }, f: number) => Array.from({ length: rows.n }, (_, i) => rows.x[i * F + f]!);
  const picked = [...FEATURE_COLUMNS.keys()].filter((f) => new Set(column(early, f)).size > 3).slice(0, 40);
  const pairs = picked.map((f) => ({ a: column(early, f).filter((v) => !Number.isNaN(v)), b: column(late, f).filter((v) => !Number.isNaN(v)) }));
  const flags = [...FEATURE_COLUMNS.keys()]
    .map((f) => [column(early, f), column(late, f)] as const)
    .filter(([a, b]) => [...a, ...b].every((v) => v === 0 || v === 1) && new Set([...a, ...b]).size === 2)
    .slice(0, 40)
    .map(([a, b]) => [a.filter((v) => v === 1).length, a.length, b.filter((v) => v === 1).length, b.length] as [number, number, number, number]);
  const ours = { ks: pairs.map((p) => ks2samp(p.a, p.b)), chi2: flags.map((c) => flagChi2(...c)) };
  const p = ours.ks.map((r) => r.pValue);
  const r = spawnSync(PYTHON, [join(import.meta.dirname, 'drift_peer.py')], { input: JSON.stringify({ pairs, flags, p }), encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  const scipy = JSON.parse(r.stdout) as { ks: { statistic: number; asymp_p: number }[]; chi2: { statistic: number; p: number }[]; bh: number[] };
  assert.ok(pairs.length >= 20 && flags.length >= 20, `${pairs.length} count columns, ${flags.length} flags`);
  ours.ks.forEach((k, i) => {
    assert.ok(Math.abs(k.statistic - scipy.ks[i]!.statistic) < 1e-12, `KS statistic ${i}`);
    assert.ok(Math.abs(k.pValue - scipy.ks[i]!.asymp_p) < 1e-9, `KS p ${i}: ${k.pValue} vs ${scipy.ks[i]!.asymp_p}`);
  });
  ours.chi2.forEach((c, i) => {
    const s = scipy.chi2[i]!;
    assert.ok(Math.abs(c.statistic - s.statistic) < 1e-9 * Math.max(1, s.statistic), `chi2 ${i}`);
    assert.ok(Math.abs(c.pValue - s.p) <= 1e-6 * Math.max(s.p, 1e-300) + 1e-12, `chi2 p ${i}: ${c.pValue} vs ${s.p}`);
  });
  benjaminiHochberg(p).forEach((q, i) => assert.ok(Math.abs(q - scipy.bh[i]!) < 1e-12, `q ${i}`));
});
